package direct

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// TestCopyContent: both copy paths (copy_file_range on one device, a pooled
// buffer across devices) copy every byte, around the buffer's size too.
func TestCopyContent(t *testing.T) {
	sizes := []int{0, 1, 4096, 256<<10 - 1, 256 << 10, 256<<10 + 1, 3<<20 + 17}
	for _, crossDev := range []bool{false, true} {
		t.Run(fmt.Sprintf("crossDev=%v", crossDev), func(t *testing.T) {
			f := newFixture(t, Options{Delete: true, FullDelete: true})
			if crossDev {
				f.sink.targetDev = ^uint64(0) // no source is on this device
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for _, n := range sizes {
				b := make([]byte, n)
				for i := range b {
					b[i] = byte(rng.Uint32())
				}
				name := fmt.Sprintf("f%d", n)
				if err := os.WriteFile(path(f.src, name), b, 0o640); err != nil {
					t.Fatal(err)
				}
				f.apply(t, create(name))
			}
			f.requireDiff(t)
		})
	}
}

func TestTempName(t *testing.T) {
	long := string(make([]byte, 255))
	for _, name := range []string{"a", "-x", "\xff\n", long} {
		tmp := tempName(name)
		if !isTempName(tmp) || len(tmp) > 255 {
			t.Errorf("tempName(%q) = %q (%d bytes)", name, tmp, len(tmp))
		}
	}
	if tempName("a") == tempName("a") {
		t.Error("temporary names repeat")
	}
}

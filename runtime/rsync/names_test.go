package rsync_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// oddNames are file names that break scripts: whitespace, newlines,
// quotes, shell syntax, option-like names, wildcards, non-UTF-8 bytes, and
// rsync's own escape syntax.
var oddNames = []string{
	"sp ace", "new\nline", "tab\tname", " lead", "trail ", "quote'single", `dq"uote`,
	"-leading-dash", "-", "--", "!", "=", "#hash", "semi;colon", "amp & ersand",
	"$(touch pwned)", "`touch pwned2`", "${HOME}", "back\\slash", `esc\#012aped`,
	"st*ar?[x]", "\xff\xfe not utf-8", "percent %s %n", "ünïcödé",
}

// TestOddNames: every odd name, as a file and as a directory holding
// one, is created, renamed (onto odd names) and deleted on each kind of
// target, which ends identical to the source; no name is ever run by a
// shell, and over ssh the renames keep their inodes.
func TestOddNames(t *testing.T) {
	for _, kind := range targetKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s, src, mirror := newSink(t, kind, nil)
			apply(t, s, rescan(""))
			var b event.Batch
			for _, n := range oddNames {
				write(t, src, n, "file "+n)
				mkdir(t, src, "d"+n)
				write(t, src, "d"+n+"/"+n, "inner "+n)
				b = append(b, create(n), createDir("d"+n))
			}
			apply(t, s, b...)
			same(t, src, mirror)

			inodes := map[string]os.FileInfo{}
			b = nil
			for _, n := range oddNames {
				inodes[n] = lstat(t, mirror, n)
				rename(t, src, n, n+" moved\n'$(x)")
				rename(t, src, "d"+n, "d"+n+" moved")
				b = append(b, move(n, n+" moved\n'$(x)"), moveDir("d"+n, "d"+n+" moved"))
			}
			apply(t, s, b...)
			same(t, src, mirror)
			if kind.renames {
				for _, n := range oddNames {
					if !os.SameFile(inodes[n], lstat(t, mirror, n+" moved\n'$(x)")) {
						t.Errorf("move of %q was not a rename", n)
					}
				}
			}

			b = nil
			for i, n := range oddNames {
				if i%2 == 0 {
					removeAll(t, src, n+" moved\n'$(x)")
					removeAll(t, src, "d"+n+" moved")
					b = append(b, del(n+" moved\n'$(x)"), delDir("d"+n+" moved"))
				}
			}
			apply(t, s, b...)
			same(t, src, mirror)

			home, _ := os.UserHomeDir()
			for _, dir := range []string{src, mirror, filepath.Dir(mirror), home} {
				for _, f := range []string{"pwned", "pwned2"} {
					if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
						t.Errorf("a name was run by a shell: %s exists", filepath.Join(dir, f))
					}
				}
			}
		})
	}
}

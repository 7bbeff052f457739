package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFiltersApplyToAncestors: on every sink kind, a path below a
// directory that the Lua filter rejects is never mirrored, live or in a
// full sync, and neither are its deletes (a file only the mirror holds
// there stays); a directory renamed across an anchored exclude gets its
// newly included subdirectories watched and synced; one renamed where a
// path-dependent filter function drops less is synced whole.
func TestFiltersApplyToAncestors(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	direct, local := filepath.Join(root, "direct"), filepath.Join(root, "local")
	for _, d := range []string{src, direct + "/private", local + "/private"} {
		must(t, os.MkdirAll(d, 0o755))
	}
	// Only the mirrors hold these: the filter protects them.
	writeFile(t, direct+"/private/mirror-only", "m")
	writeFile(t, local+"/private/mirror-only", "m")
	must(t, os.MkdirAll(src+"/private/sub", 0o755))
	writeFile(t, src+"/private/sub/early", "e")
	common := `
    exclude = { "/a/cache/" },
    filter = function(e)
        return e.name ~= "private/" and not e.pathname:match("^/old/")
    end,`
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync { default.direct, source = %q, target = %q, delay = 0, %s }
sync { default.rsync, source = %q, target = %q, delay = 0, %s }
`, filepath.Join(root, "fail.log"), src, direct, common, src, local, common))
	p := startRunning(t, cfg)
	// A path the filter function drops that appears while a full sync
	// runs may be copied by it (rsync walks on its own; see README), so
	// the changes wait for both startup syncs.
	waitFor(t, "both startup full syncs", func() (bool, string) {
		out := p.out.String()
		return strings.Count(out, "full sync complete") == 2, out
	})
	for _, d := range []string{"pub", "private/new", "a/cache/c", "old/keep"} {
		must(t, os.MkdirAll(filepath.Join(src, d), 0o755))
	}
	for _, f := range []string{"pub/f", "private/new/x", "private/sub/y", "a/cache/c/f", "a/x", "old/keep/f"} {
		writeFile(t, filepath.Join(src, f), f)
	}
	must(t, os.Remove(filepath.Join(src, "private/sub/early")))
	must(t, os.WriteFile(filepath.Join(src, "private/mirror-only"), []byte("s"), 0o644))
	must(t, os.Remove(filepath.Join(src, "private/mirror-only")))
	want := func(m string, present, absent []string) func() (bool, string) {
		return func() (bool, string) {
			var bad []string
			for _, f := range present {
				if _, err := os.Lstat(filepath.Join(m, f)); err != nil {
					bad = append(bad, "missing "+f)
				}
			}
			for _, f := range absent {
				if _, err := os.Lstat(filepath.Join(m, f)); err == nil {
					bad = append(bad, "unexpected "+f)
				}
			}
			return len(bad) == 0, strings.Join(bad, "\n")
		}
	}
	for _, m := range []string{direct, local} {
		waitFor(t, "the first changes on "+m, want(m,
			[]string{"pub/f", "a/x", "private/mirror-only"},
			[]string{"private/new", "private/sub", "a/cache", "old/keep"}))
	}
	// Renamed out from under the anchored exclude and the filter function.
	must(t, os.Rename(filepath.Join(src, "a"), filepath.Join(src, "b")))
	must(t, os.Rename(filepath.Join(src, "old"), filepath.Join(src, "new")))
	writeFile(t, filepath.Join(src, "b/cache/c/later"), "later")
	for _, m := range []string{direct, local} {
		waitFor(t, "the renamed trees on "+m, want(m,
			[]string{"b/x", "b/cache/c/f", "b/cache/c/later", "new/keep/f", "private/mirror-only"},
			[]string{"a", "old", "private/new"}))
	}
	// Written after the move settled: only a watch on the newly included
	// directory sees it.
	writeFile(t, filepath.Join(src, "b/cache/c/latest"), "latest")
	for _, m := range []string{direct, local} {
		waitFor(t, "a file in the newly included directory on "+m, want(m, []string{"b/cache/c/latest"}, nil))
	}
	if code, _ := p.stop(t, 15); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// oddNames are file names that break naive scripts: every one must mirror.
var oddNames = []string{
	"with space", "  leading and trailing  ", "new\nline", "tab\there", `quote"double`, "quote'single",
	"-leading-dash", "--", "-rf", "$(touch pwned)", "`id`", "semi;colon", "back\\slash", "star*", "question?",
	"[brackets]", "\xff\xfe not utf-8", "caf\xe9 latin1", "ünïcödé ✓", "#hash", "%percent", "a:b", "!bang",
}

// TestMirror is the end-to-end specification: after each workload, run
// through the real binary with the direct sink, the target equals the source
// exactly (paths, types, sizes, content, modes, symlink targets, mtimes).
func TestMirror(t *testing.T) {
	cases := []struct {
		name    string
		prepare func(t *testing.T, src string) // before luasync starts
		change  func(t *testing.T, src string) // while it runs
	}{
		{"creates appends truncates", nil, func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, "a.txt"), "hello")
			appendFile(t, filepath.Join(src, "a.txt"), " world")
			writeFile(t, filepath.Join(src, "b.txt"), strings.Repeat("x", 100000))
			must(t, os.Truncate(filepath.Join(src, "b.txt"), 10))
			writeFile(t, filepath.Join(src, "c.txt"), "soon empty")
			must(t, os.Truncate(filepath.Join(src, "c.txt"), 0))
			must(t, os.MkdirAll(filepath.Join(src, "d1/d2"), 0o755))
			writeFile(t, filepath.Join(src, "d1/d2/deep.txt"), "deep")
			writeFile(t, filepath.Join(src, ".htaccess"), "Deny from all") // dotfiles are not junk
		}},
		{"renames of files and directories", func(t *testing.T, src string) {
			tree(t, src, "old", 3, 20)
			writeFile(t, filepath.Join(src, "f1"), "one")
			writeFile(t, filepath.Join(src, "swap-a"), "A")
			writeFile(t, filepath.Join(src, "swap-b"), "B")
		}, func(t *testing.T, src string) {
			must(t, os.Rename(filepath.Join(src, "f1"), filepath.Join(src, "f2")))
			must(t, os.Rename(filepath.Join(src, "f2"), filepath.Join(src, "f3")))
			must(t, os.Rename(filepath.Join(src, "old"), filepath.Join(src, "new")))
			writeFile(t, filepath.Join(src, "new/d0/written-after-move"), "still watched")
			must(t, os.Rename(filepath.Join(src, "new/d1"), filepath.Join(src, "moved-out-of-parent")))
			must(t, os.Rename(filepath.Join(src, "swap-a"), filepath.Join(src, "swap-tmp")))
			must(t, os.Rename(filepath.Join(src, "swap-b"), filepath.Join(src, "swap-a")))
			must(t, os.Rename(filepath.Join(src, "swap-tmp"), filepath.Join(src, "swap-b")))
		}},
		{"rename over an existing file and back", func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, "live"), "v1")
		}, func(t *testing.T, src string) {
			for i := range 20 { // the editor/deploy pattern: write a temp, rename over
				tmp := filepath.Join(src, fmt.Sprintf(".live.tmp%d", i))
				writeFile(t, tmp, fmt.Sprintf("version %d", i))
				must(t, os.Rename(tmp, filepath.Join(src, "live")))
			}
		}},
		{"deletes of files and trees", func(t *testing.T, src string) {
			tree(t, src, "doomed", 4, 50)
			tree(t, src, "kept", 1, 5)
			writeFile(t, filepath.Join(src, "gone.txt"), "bye")
		}, func(t *testing.T, src string) {
			must(t, os.Remove(filepath.Join(src, "gone.txt")))
			must(t, os.RemoveAll(filepath.Join(src, "doomed")))
			must(t, os.Remove(filepath.Join(src, "kept/d0/f0")))
			must(t, os.Mkdir(filepath.Join(src, "doomed"), 0o700)) // same name, new dir
			writeFile(t, filepath.Join(src, "doomed/reborn"), "new life")
		}},
		{"type changes", func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, "file-then-dir"), "f")
			tree(t, src, "dir-then-file", 1, 3)
			writeFile(t, filepath.Join(src, "file-then-link"), "f")
		}, func(t *testing.T, src string) {
			must(t, os.Remove(filepath.Join(src, "file-then-dir")))
			must(t, os.Mkdir(filepath.Join(src, "file-then-dir"), 0o755))
			writeFile(t, filepath.Join(src, "file-then-dir/inside"), "x")
			must(t, os.RemoveAll(filepath.Join(src, "dir-then-file")))
			writeFile(t, filepath.Join(src, "dir-then-file"), "now a file")
			must(t, os.Remove(filepath.Join(src, "file-then-link")))
			must(t, os.Symlink("../elsewhere", filepath.Join(src, "file-then-link")))
		}},
		{"chmod and symlinks", func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, "script.sh"), "#!/bin/sh\n")
			must(t, os.Mkdir(filepath.Join(src, "private"), 0o755))
			must(t, os.Symlink("script.sh", filepath.Join(src, "link")))
		}, func(t *testing.T, src string) {
			must(t, os.Chmod(filepath.Join(src, "script.sh"), 0o750))
			must(t, os.Chmod(filepath.Join(src, "private"), 0o700))
			must(t, os.Remove(filepath.Join(src, "link")))
			must(t, os.Symlink("private", filepath.Join(src, "link")))
			must(t, os.Symlink("does/not/exist", filepath.Join(src, "dangling")))
		}},
		{"500 mkdir -p chains written into at once", nil, func(t *testing.T, src string) {
			for i := range 500 {
				d := filepath.Join(src, fmt.Sprintf("chain%03d/b/c/d", i))
				must(t, os.MkdirAll(d, 0o755))
				writeFile(t, filepath.Join(d, "file"), fmt.Sprintf("chain %d", i))
			}
		}},
		{"odd file names", nil, func(t *testing.T, src string) {
			must(t, os.Mkdir(filepath.Join(src, "dir with\nnewline"), 0o755))
			for i, n := range oddNames {
				writeFile(t, filepath.Join(src, n), fmt.Sprintf("content %d", i))
				writeFile(t, filepath.Join(src, "dir with\nnewline", n), n)
			}
			must(t, os.Rename(filepath.Join(src, "-rf"), filepath.Join(src, "-rf renamed $(x)")))
			must(t, os.Remove(filepath.Join(src, "`id`")))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, dst, cfg := mirrorDirs(t, "")
			if tc.prepare != nil {
				tc.prepare(t, src)
			}
			p := startRunning(t, cfg)
			waitIdentical(t, src, dst) // the startup sync
			tc.change(t, src)
			waitIdentical(t, src, dst)
			if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
				t.Fatalf("exit status after SIGTERM = %d, want 0", code)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(src), "fail.log")); !os.IsNotExist(err) {
				t.Errorf("a clean run left a fail log (stat err %v)", err)
			}
		})
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString(s)
	must(t, err)
	must(t, f.Close())
}

// tree makes dir/d0..d(n-1), each with files f0..f(m-1).
func tree(t *testing.T, root, dir string, n, m int) {
	t.Helper()
	for i := range n {
		d := filepath.Join(root, dir, fmt.Sprintf("d%d", i))
		must(t, os.MkdirAll(d, 0o755))
		for j := range m {
			writeFile(t, filepath.Join(d, fmt.Sprintf("f%d", j)), fmt.Sprintf("%s %d %d", dir, i, j))
		}
	}
}

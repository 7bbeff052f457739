package direct

import (
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// oddNames are names a shell or a careless parser would break on; every one
// must go through every operation.
var oddNames = []string{
	"with space",
	"new\nline",
	"tab\there",
	`quote"double`,
	"quote'single",
	"-leading-dash",
	"--",
	"$(touch pwned)",
	"`backtick`",
	"\xff\xfe not utf-8 \x80",
	"back\\slash",
	"*glob?[x]",
	"é-ünïcødé-名前",
	".hidden",
	"...",
	strings.Repeat("n", 255), // NAME_MAX: the temporary name must still fit
}

func TestOddNames(t *testing.T) {
	for _, name := range oddNames {
		t.Run("", func(t *testing.T) {
			f := newFixture(t, Options{Delete: true, FullDelete: true})
			dir, file, link := name, name+"/"+name, name+"/l"
			mkdir(t, f.src, dir, 0o755)
			write(t, f.src, file, "content of "+name)
			symlink(t, f.src, link, name)
			f.apply(t, createDir(dir), create(file), create(link))
			f.requireDiff(t)

			write(t, f.src, file, "changed "+name)
			touch(t, f.src, file, t0.Add(1))
			f.apply(t, modify(file))
			f.requireDiff(t)

			moved := "moved " + name[:min(len(name), 200)]
			rename(t, f.src, dir, moved)
			f.apply(t, event.Event{Op: event.Move, From: dir, Path: moved, IsDir: true})
			f.requireDiff(t)

			rm(t, f.src, moved+"/"+name)
			f.apply(t, del(moved+"/"+name))
			f.requireDiff(t)

			second := name[:min(len(name), 250)] + "2"
			mkdir(t, f.src, second, 0o700)
			write(t, f.src, second+"/"+name, "by rescan")
			write(t, f.dst, moved+"/extra "+name[:min(len(name), 240)], "extra")
			f.apply(t, rescan(""))
			f.requireDiff(t)
			if exists(f.src, "pwned") || exists(f.dst, "pwned") {
				t.Error("a name was run through a shell")
			}
		})
	}
}

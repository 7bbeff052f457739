package rsync

import (
	"maps"
	"slices"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// TestAttribute: rsync's error lines, as each kind of target prints them,
// map to the events whose paths they name; a line that names no listed
// path makes the attribution incomplete.
func TestAttribute(t *testing.T) {
	b := event.Batch{create("a/f"), {Op: event.Create, Path: "new", IsDir: true}, create("q\"uo\"te"), create("nl\nx"), create("#h\\#012")}
	p := newPlan(b)
	for i, ev := range b {
		p.add(ev.Path, i)
	}
	p.add("new/child", 1) // listed with its new directory
	sinks := map[string]*Sink{
		"local":  {opts: Options{Target: Target{Kind: Local, Path: "/mnt/dst"}}, source: "/srv/src/"},
		"daemon": {opts: Options{Target: Target{Kind: Daemon, Host: "h", Module: "m", Path: "sub dir"}}, source: "/srv/src/"},
		"ssh":    {opts: Options{Target: Target{Kind: SSH, Host: "h", Path: "backup"}}, source: "/srv/src/"},
	}
	tests := []struct {
		kind, stderr string
		want         []int // nil: incomplete
	}{
		{"local", `rsync: [sender] send_files failed to open "/srv/src/a/f": Permission denied (13)`, []int{0}},
		{"local", `rsync: [receiver] mkstemp "/mnt/dst/a/.f.Ab12Cd" failed: No space left on device (28)`, []int{0}},
		{"local", `rsync: [generator] recv_generator: mkdir "/mnt/dst/new/child" failed: Permission denied (13)` + "\n" +
			"*** Skipping any contents from this failed directory ***", []int{1}},
		{"local", "cannot delete non-empty directory: nl\\#012x\ncould not make way for new regular file: nl\\#012x", []int{3}},
		{"local", `could not make way for new regular file: #h\#134#012`, []int{4}},
		{"local", `rsync: [receiver] rename "/mnt/dst/.q"uo"te.XyZ123" -> "q"uo"te": Operation not permitted (1)`, []int{2}},
		{"daemon", `rsync: [receiver] mkstemp "/sub dir/a/.f.DHBELu" (in m) failed: Operation not permitted (1)`, []int{0}},
		{"ssh", `rsync: [receiver] mkstemp "/home/u/backup/new/.child.aaaaaa" failed: Disk quota exceeded (122)`, []int{1}},
		{"local", "file has vanished: \"/srv/src/gone\"\nWARNING: parent dir is absent in the file list: x\n" +
			`rsync: [sender] send_files failed to open "/srv/src/a/f": Permission denied (13)` + "\n" +
			"rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]", []int{0}},
		{"local", "IO error encountered -- skipping file deletion", nil},
		{"local", `rsync: [sender] send_files failed to open "/srv/src/unlisted": Permission denied (13)`, nil},
		{"local", `rsync: [sender] send_files failed to open "/srv/src/a/f": Permission denied (13)` + "\nrsync: connection unexpectedly closed", nil},
	}
	for _, tt := range tests {
		failed, complete := sinks[tt.kind].attribute(p, []byte(tt.stderr+"\n"))
		got := slices.Sorted(maps.Keys(failed))
		if tt.want == nil {
			if complete {
				t.Errorf("%s %q: attributed to %v, want incomplete", tt.kind, tt.stderr, got)
			}
			continue
		}
		if !complete || !slices.Equal(got, tt.want) {
			t.Errorf("%s %q: got %v (complete %v), want %v", tt.kind, tt.stderr, got, complete, tt.want)
		}
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:              "plain",
		`new\#012line`:       "new\nline",
		`\#377\#376 x`:       "\xff\xfe x",
		`back\#134#012slash`: `back\#012slash`,
		`\#01`:               `\#01`,
		`\#089`:              `\#089`,
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckArgs(t *testing.T) {
	ok := [][]string{{"--archive", "--compress", "-avz", "--bwlimit=100", "-T", "/tmp/x", "--exclude-from=/etc/x", "--chmod=D2775,F664", "-B1024"}}
	for _, args := range ok {
		if err := CheckArgs(args); err != nil {
			t.Errorf("CheckArgs(%q) = %v", args, err)
		}
	}
	for _, a := range []string{"--delete", "--delete-after", "-r", "-avR", "--files-from=x", "--dry-run", "-n", "-e", "--rsh=ssh", "--password-file=x", "/srv/www", "--remove-source-files"} {
		if err := CheckArgs([]string{a}); err == nil {
			t.Errorf("CheckArgs(%q) = nil, want it refused", a)
		}
	}
}

func create(p string) event.Event { return event.Event{Op: event.Create, Path: p} }

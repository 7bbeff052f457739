package direct

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/luasync/luasync/runtime/event"
	"golang.org/x/sys/unix"
)

func TestClassify(t *testing.T) {
	wrap := func(err error) error { return opError("copy /s/a to", "/t/a", err) }
	multi := func(errs ...error) error {
		e := &rescanError{path: "/t"}
		for _, err := range errs {
			e.add(err)
		}
		return e
	}
	tests := []struct {
		err  error
		want event.Outcome
	}{
		{nil, event.OK},
		{wrap(unix.ENOSPC), event.Retry},
		{wrap(unix.EDQUOT), event.Retry},
		{wrap(unix.EIO), event.Retry},
		{wrap(unix.EROFS), event.Retry},
		{wrap(unix.EACCES), event.Retry},
		{wrap(unix.EPERM), event.Retry},
		{wrap(unix.ENOENT), event.Retry},
		{wrap(errChanged), event.Retry},
		{fmt.Errorf("open /t: %w: %w", errRoot, unix.ENOENT), event.Retry},
		{wrap(context.Canceled), event.Retry},
		{wrap(context.DeadlineExceeded), event.Retry},
		{wrap(errors.New("something new")), event.Retry},
		{wrap(unix.ENAMETOOLONG), event.Fail},
		{wrap(unix.EINVAL), event.Fail},
		{wrap(unix.EFBIG), event.Fail},
		{wrap(unix.EILSEQ), event.Fail},
		{wrap(event.ErrBadPath), event.Fail},
		{wrap(errRootGone), event.Fail},
		{wrap(errProtected), event.Fail},
		{wrap(errDeleteOff), event.Fail},
		{multi(wrap(unix.ENAMETOOLONG), wrap(unix.ENOSPC)), event.Retry},
		{multi(wrap(unix.ENAMETOOLONG), wrap(errProtected)), event.Fail},
		{errors.Join(wrap(unix.EINVAL), wrap(unix.EIO)), event.Retry},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestRescanErrorMessage(t *testing.T) {
	e := &rescanError{path: "/t"}
	for i := range keptRescanErrors + 2 {
		e.add(fmt.Errorf("copy %d: %w", i, unix.ENOSPC))
	}
	msg := e.Error()
	if !strings.HasPrefix(msg, "rescan /t: 12 failed; copy 0: no space left on device;") ||
		!strings.HasSuffix(msg, "; and 2 more") {
		t.Errorf("message %q", msg)
	}
	if !errors.Is(e, unix.ENOSPC) {
		t.Error("rescan error does not wrap its causes")
	}
}

// TestApplyFailures: events that cannot succeed are reported, with the path
// and the reason, and leave no temporary files.
func TestApplyFailures(t *testing.T) {
	keepNoLog := func(rel string, isDir bool) bool { return !strings.HasSuffix(rel, ".log") }
	tests := []struct {
		name    string
		opts    Options
		prepare func(t *testing.T, f *fixture)
		ev      event.Event
		want    event.Outcome
		wantErr error
		keeps   string // a target path that must survive the failure
	}{
		{name: "delete of the root", opts: Options{Delete: true, FullDelete: true},
			ev: del(""), want: event.Fail, wantErr: errRootGone},
		{name: "path escaping the root", opts: Options{Delete: true, FullDelete: true},
			ev: create("../etc/passwd"), want: event.Fail, wantErr: event.ErrBadPath},
		{name: "empty component", ev: create("a//b"), want: event.Fail, wantErr: event.ErrBadPath},
		{name: "move from the root", ev: move("", "a"), want: event.Fail, wantErr: event.ErrBadPath},
		{name: "unknown op", ev: event.Event{Op: 99, Path: "a"}, want: event.Fail, wantErr: event.ErrUnknownOp},
		{name: "file replacing a directory holding excluded files",
			opts: Options{Delete: true, FullDelete: true, Keep: keepNoLog},
			prepare: func(t *testing.T, f *fixture) {
				write(t, f.src, "d", "now a file")
				mkdir(t, f.dst, "d", 0o755)
				write(t, f.dst, "d/keep.log", "protected")
				write(t, f.dst, "d/other", "x")
			},
			ev: modify("d"), want: event.Fail, wantErr: errProtected, keeps: "d/keep.log"},
		{name: "file replacing a non-empty directory with delete off",
			prepare: func(t *testing.T, f *fixture) {
				write(t, f.src, "d", "now a file")
				mkdir(t, f.dst, "d", 0o755)
				write(t, f.dst, "d/x", "x")
			},
			ev: modify("d"), want: event.Fail, wantErr: errDeleteOff, keeps: "d/x"},
		{name: "source root gone",
			prepare: func(t *testing.T, f *fixture) { rm(t, f.src, "") },
			ev:      rescan(""), want: event.Retry, wantErr: unix.ENOENT},
		{name: "target root gone is not recreated",
			prepare: func(t *testing.T, f *fixture) { write(t, f.src, "a", "a"); rm(t, f.dst, "") },
			ev:      create("a"), want: event.Retry, wantErr: errRoot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts)
			if tt.prepare != nil {
				tt.prepare(t, f)
			}
			r := f.sink.Apply(context.Background(), event.Batch{tt.ev})[0]
			if r.Outcome != tt.want || !errors.Is(r.Err, tt.wantErr) {
				t.Fatalf("got %v %v, want %v with %v", r.Outcome, r.Err, tt.want, tt.wantErr)
			}
			if exists(f.dst, "") {
				if left := tempLeftovers(t, f.dst); len(left) > 0 {
					t.Errorf("temporary files left: %q", left)
				}
			}
			if tt.keeps != "" && !exists(f.dst, tt.keeps) {
				t.Errorf("%s was deleted", tt.keeps)
			}
		})
	}
}

func TestApplyCanceled(t *testing.T) {
	f := newFixture(t, Options{Delete: true, FullDelete: true})
	write(t, f.src, "a", "a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range f.sink.Apply(ctx, event.Batch{create("a"), del("b")}) {
		if r.Outcome != event.Retry || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%v: %v %v, want retry", r.Event, r.Outcome, r.Err)
		}
	}
	if exists(f.dst, "a") {
		t.Error("applied an event after cancel")
	}
}

// TestOwner: as root the mirror takes the source's owner, as rsync -a does;
// otherwise files belong to whoever runs the sink.
func TestOwner(t *testing.T) {
	f := newFixture(t, Options{Delete: true, FullDelete: true})
	write(t, f.src, "f", "x")
	mkdir(t, f.src, "d", 0o2775)
	symlink(t, f.src, "l", "f")
	writeMode(t, f.src, "suid", "x", 0o4755)
	uid, gid := os.Geteuid(), os.Getegid()
	if uid == 0 {
		uid, gid = 1234, 5678
		for _, p := range []string{"f", "d", "l", "suid"} {
			if err := os.Lchown(path(f.src, p), uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		chmod(t, f.src, "suid", 0o4755) // chown cleared it
		chmod(t, f.src, "d", 0o2775)
	}
	f.mirror(t)
	for _, p := range []string{"f", "d", "l", "suid"} {
		st := lstat(t, f.dst, p).Sys().(*syscall.Stat_t)
		if int(st.Uid) != uid || int(st.Gid) != gid {
			t.Errorf("%s owned by %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
		}
	}
}

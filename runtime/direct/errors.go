//go:build unix

package direct

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/luasync/luasync/runtime/event"
	"golang.org/x/sys/unix"
)

var (
	errRootGone = errors.New("refusing to delete the whole mirror; is the source unmounted?")
	// errProtected: a directory holds entries that Keep excludes, which a
	// mirror must not delete (rsync --delete without --delete-excluded).
	errProtected = errors.New("directory holds excluded entries, which are never deleted")
	// errDeleteOff: replacing a non-empty directory would delete files, and
	// Options.Delete is off.
	errDeleteOff = errors.New("directory is not empty and delete is off")
	// errChanged: the source entry changed type while we copied it; a retry
	// sees the new state.
	errChanged = errors.New("source changed type while being copied")
)

// classify maps an error to an outcome. The rule: Retry when waiting or an
// operator can fix it without changing the event, Fail when the same event
// can never succeed.
//
//   - nil: OK.
//   - context canceled or deadline: Retry (shutdown; the event is still due).
//   - an invalid event path, deleting the root, a directory that holds
//     excluded entries, a non-empty directory with delete off: Fail.
//   - ENAMETOOLONG (the target filesystem takes shorter names than the
//     source), EINVAL, EFBIG (file too large for the target filesystem),
//     EILSEQ (the target filesystem refuses the name's bytes), EOVERFLOW: Fail.
//   - everything else, notably ENOSPC, EDQUOT, EIO, EROFS, EACCES, EPERM,
//     EBUSY, EMFILE, ESTALE and ENOENT/ENOTDIR races with a busy source:
//     Retry. Unknown errors retry too: the retry budget still ends in the
//     fail log, so a wrong guess costs a little time, not an event.
//
// A rescan reports every failure it met; it is retried if any of them is
// retryable, and fails only if all of them are permanent.
func classify(err error) event.Outcome {
	if err == nil {
		return event.OK
	}
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) && !errors.Is(err, context.Canceled) {
		for _, e := range multi.Unwrap() {
			if classify(e) == event.Retry {
				return event.Retry
			}
		}
		return event.Fail
	}
	return classifyOne(err)
}

func classifyOne(err error) event.Outcome {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return event.Retry
	case errors.Is(err, event.ErrBadPath), errors.Is(err, event.ErrUnknownOp), errors.Is(err, errRootGone),
		errors.Is(err, errProtected), errors.Is(err, errDeleteOff):
		return event.Fail
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		switch errno {
		case unix.ENAMETOOLONG, unix.EINVAL, unix.EFBIG, unix.EILSEQ, unix.EOVERFLOW:
			return event.Fail
		}
	}
	return event.Retry
}

// opError names an operation, the paths it touched and the errno.
func opError(op, path string, err error) error {
	return fmt.Errorf("%s %s: %w", op, path, err)
}

// rescanError collects what went wrong in a rescan that carried on past
// individual failures, as rsync does (its exit code 23).
type rescanError struct {
	path  string
	errs  []error // the first few
	total int
}

const keptRescanErrors = 10

func (e *rescanError) add(err error) {
	e.total++
	if len(e.errs) < keptRescanErrors {
		e.errs = append(e.errs, err)
	}
}

func (e *rescanError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rescan %s: %d failed", e.path, e.total)
	for _, err := range e.errs {
		b.WriteString("; ")
		b.WriteString(err.Error())
	}
	if e.total > len(e.errs) {
		fmt.Fprintf(&b, "; and %d more", e.total-len(e.errs))
	}
	return b.String()
}

func (e *rescanError) Unwrap() []error { return e.errs }

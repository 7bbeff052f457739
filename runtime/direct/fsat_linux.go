package direct

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// noOpenat2 is set once openat2 turns out to be missing (kernels before 5.6)
// or filtered (some container seccomp profiles).
var noOpenat2 atomic.Bool

// openBeneath opens directory rel below dirfd without following symlinks,
// in one openat2 call where the kernel has it.
func openBeneath(dirfd int, rel string) (int, error) {
	if noOpenat2.Load() {
		return walkBeneath(dirfd, rel)
	}
	how := unix.OpenHow{
		Flags:   dirFlags,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	for range 3 {
		fd, err := unix.Openat2(dirfd, rel, &how)
		switch err {
		case nil:
			return fd, nil
		case unix.ENOSYS, unix.EPERM, unix.E2BIG:
			noOpenat2.Store(true)
			return walkBeneath(dirfd, rel)
		case unix.EAGAIN, unix.EINTR:
			// A concurrent rename raced the lookup; the kernel asks us to try again.
			continue
		default:
			return -1, err
		}
	}
	return walkBeneath(dirfd, rel)
}

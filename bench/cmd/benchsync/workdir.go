package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// fsNames are the file systems a work directory is likely on; the report
// says which, since tmpfs and a disk give different figures.
var fsNames = map[int64]string{
	unix.TMPFS_MAGIC:           "tmpfs",
	unix.EXT4_SUPER_MAGIC:      "ext2/3/4", // one magic number for all three
	unix.XFS_SUPER_MAGIC:       "xfs",
	unix.BTRFS_SUPER_MAGIC:     "btrfs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlayfs",
}

// checkWorkDir names the file system of workDir and refuses one mounted
// noexec (as /dev/shm is on some systems): the luasync build and each
// run's counting rsync wrapper are executed from there.
func checkWorkDir(workDir string) (fsName string, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(workDir, &st); err != nil {
		return "", fmt.Errorf("check work directory %s: %w", workDir, err)
	}
	if st.Flags&unix.ST_NOEXEC != 0 {
		return "", fmt.Errorf("work directory %s is on a noexec mount: the luasync build and the rsync wrapper run from there; "+
			"pass a -workdir on a mount without noexec (mount | grep noexec lists them)", workDir)
	}
	if name, ok := fsNames[int64(st.Type)]; ok {
		return name, nil
	}
	return fmt.Sprintf("file system type %#x", st.Type), nil
}

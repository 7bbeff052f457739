//go:build unix && !linux

package direct

// openBeneath opens directory rel below dirfd without following symlinks.
func openBeneath(dirfd int, rel string) (int, error) {
	return walkBeneath(dirfd, rel)
}

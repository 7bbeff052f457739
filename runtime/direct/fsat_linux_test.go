package direct

import "testing"

// TestWithoutOpenat2 runs the specification and the symlink tests again on
// the path for kernels without openat2 (and for other systems).
func TestWithoutOpenat2(t *testing.T) {
	old := noOpenat2.Load()
	noOpenat2.Store(true)
	defer noOpenat2.Store(old)
	t.Run("apply", TestApply)
	t.Run("symlinks", TestSymlinkedParentsAreNotFollowed)
}

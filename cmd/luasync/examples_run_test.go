package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// exampleCopy copies examples/ (configs and the demo tree) into a temp dir,
// so running an example leaves the repository as it was.
func exampleCopy(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "examples")
	must(t, os.CopyFS(dir, os.DirFS("../../examples")))
	return dir
}

// TestExampleActionsCommands runs examples/actions-commands.lua: the
// startup command copies the site, and later changes follow.
func TestExampleActionsCommands(t *testing.T) {
	dir := exampleCopy(t)
	src, dst := filepath.Join(dir, "demo/source/site"), filepath.Join(dir, "demo/actions-mirror")
	p := startRunning(t, filepath.Join(dir, "actions-commands.lua"))
	waitIdentical(t, src, dst)
	writeFile(t, filepath.Join(src, "new $(page).html"), "<p>new</p>")
	must(t, os.Mkdir(filepath.Join(src, "-dir"), 0o755))
	writeFile(t, filepath.Join(src, "-dir", "x.css"), "x")
	waitIdentical(t, src, dst)
	must(t, os.Rename(filepath.Join(src, "-dir"), filepath.Join(src, "css dir")))
	must(t, os.Remove(filepath.Join(src, "new $(page).html")))
	waitIdentical(t, src, dst)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// TestExampleActionsFunctions runs examples/actions-functions.lua: a new
// upload's checksum appears in the log.
func TestExampleActionsFunctions(t *testing.T) {
	dir := exampleCopy(t)
	p := startRunning(t, filepath.Join(dir, "actions-functions.lua"))
	content := "a new upload\n"
	writeFile(t, filepath.Join(dir, "demo/source/uploads", "report 2026.pdf"), content)
	sum := sha256.Sum256([]byte(content))
	waitFor(t, "the checksum in the log", func() (bool, string) {
		return strings.Contains(p.out.String(), hex.EncodeToString(sum[:])), p.out.String()
	})
}

// TestExampleActionsBatch runs examples/actions-batch.lua: changes land in
// the manifest, followed by the blanket's line.
func TestExampleActionsBatch(t *testing.T) {
	dir := exampleCopy(t)
	startRunning(t, filepath.Join(dir, "actions-batch.lua"))
	for _, n := range []string{"a.html", "b.html", "c d.html"} {
		writeFile(t, filepath.Join(dir, "demo/source/site", n), n)
	}
	waitFor(t, "the manifest", func() (bool, string) {
		b, _ := os.ReadFile(filepath.Join(dir, "demo/manifest.log"))
		s := string(b)
		ok := strings.Contains(s, "Create a.html\n") && strings.Contains(s, "Create c d.html\n") &&
			strings.Contains(s, "batch done") && strings.LastIndex(s, "batch done") > strings.LastIndex(s, "Create")
		return ok, s
	})
}

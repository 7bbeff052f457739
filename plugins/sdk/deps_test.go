package sdk_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The SDK imports nothing of luasync's runtime: a plugin author's build
// pulls in no Lua, cron or watcher code.
func TestImportsNothingFromTheRuntime(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/luasync/luasync/plugins/sdk/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/luasync/luasync/") && !strings.HasPrefix(pkg, "github.com/luasync/luasync/plugins/sdk") ||
			strings.Contains(pkg, "gopher-lua") || strings.Contains(pkg, "robfig/cron") || strings.Contains(pkg, "fsnotify") {
			t.Errorf("the SDK depends on %s", pkg)
		}
	}
}

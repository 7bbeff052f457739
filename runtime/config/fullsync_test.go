package config

import (
	"strings"
	"testing"
)

// TestValidateFullSyncExclude: a scheduled full sync's own excludes are
// compiled like the sync's, and a bad one is reported under "fullsync".
func TestValidateFullSyncExclude(t *testing.T) {
	c := validConfig(t)
	c.Syncs[0].FullSync = &FullSync{Schedule: "@daily", Exclude: []string{"/cache/", "*.iso"}}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid fullsync excludes refused: %v", err)
	}
	c.Syncs[0].FullSync.Exclude = []string{"ok", "[bad"}
	err := c.Validate()
	want := `test.lua:7: sync{} key "fullsync": exclude pattern "[bad": unterminated [`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Validate = %v, want %q", err, want)
	}
}

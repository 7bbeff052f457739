package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidatePlugins: luasync checks what it can without starting a
// plugin: unique names within a sync, an executable that exists, a
// well-formed checksum; a sync may have plugins and no mirror.
func TestValidatePlugins(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "my-plugin")
	plain := filepath.Join(dir, "not-executable")
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{{exe, 0o755}, {plain, 0o644}} {
		if err := os.WriteFile(f.path, []byte("#!/bin/sh\n"), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	at := Pos{File: "test.lua", Line: 9}
	keyAt := map[string]Pos{"path": {File: "test.lua", Line: 10}, "name": {File: "test.lua", Line: 11}}
	for _, tt := range []struct {
		name    string
		plugins []Plugin
		want    string // "" for valid
	}{
		{"built-ins", []Plugin{{Kind: "command", Name: "command"}, {Kind: "cdn", Name: "cdn"}}, ""},
		{"an executable", []Plugin{{Kind: "plugin", Name: "p", Path: exe, SHA256: strings.Repeat("aB", 32)}}, ""},
		{"two of a name", []Plugin{{Kind: "cdn", Name: "cdn"}, {Kind: "cdn", Name: "cdn", Pos: at, KeyPos: keyAt}},
			`test.lua:11: cdn{} key "name": "cdn": another plugin of this sync has that name`},
		{"no path", []Plugin{{Kind: "plugin", Name: "p", Pos: at}}, `test.lua:9: plugin{} key "path": missing`},
		{"no such file", []Plugin{{Kind: "plugin", Name: "p", Path: filepath.Join(dir, "absent"), Pos: at, KeyPos: keyAt}},
			`test.lua:10: plugin{} key "path": ` + filepath.Join(dir, "absent") + `: no such file or directory`},
		{"not executable", []Plugin{{Kind: "plugin", Name: "p", Path: plain, Pos: at}}, "is not executable (chmod +x it)"},
		{"a directory", []Plugin{{Kind: "plugin", Name: "p", Path: dir, Pos: at}}, "is a directory"},
		{"bad checksum", []Plugin{{Kind: "plugin", Name: "p", Path: exe, SHA256: "abc", Pos: at}},
			`key "sha256": "abc" is not a SHA-256 checksum`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			c.Syncs[0].Plugins = tt.plugins
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v\nwant it to contain %s", err, tt.want)
			}
		})
	}
	t.Run("plugins alone", func(t *testing.T) {
		c := validConfig(t)
		s := &c.Syncs[0]
		s.Kind, s.Target, s.Plugins = "", "", []Plugin{{Kind: "socket", Name: "socket"}}
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		s.Plugins = nil
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "no sync kind") {
			t.Fatalf("a sync with neither kind nor plugins: Validate = %v", err)
		}
	})
}

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// validConfig returns a config that passes Validate: one direct sync from a
// fresh source directory to a target that does not exist yet.
func validConfig(t *testing.T) *Config {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	s := Sync{Kind: "direct", Source: src, Target: filepath.Join(dir, "dst"), Pos: Pos{File: "test.lua", Line: 7}}
	s.ApplyDefaults(Defaults())
	return &Config{File: "test.lua", Settings: Defaults(), Syncs: []Sync{s}}
}

// addSync appends a valid second sync with its own source and target.
func addSync(t *testing.T, c *Config, line int) *Sync {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	s := Sync{Kind: "direct", Source: src, Target: filepath.Join(dir, "dst"), Index: len(c.Syncs), Pos: Pos{File: "test.lua", Line: line}}
	s.ApplyDefaults(c.Settings)
	c.Syncs = append(c.Syncs, s)
	return &c.Syncs[len(c.Syncs)-1]
}

func TestValidateAcceptsValid(t *testing.T) {
	c := validConfig(t)
	addSync(t, c, 9)
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
}

// TestValidateErrors: each mistake Validate catches, and how it reads.
func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, c *Config)
		want   []string
	}{
		{"no sync", func(t *testing.T, c *Config) { c.Syncs = nil },
			[]string{"test.lua: no sync{} found"}},
		{"no kind", func(t *testing.T, c *Config) { c.Syncs[0].Kind = "" },
			[]string{"test.lua:7: sync{}: no sync kind", "default.direct"}},
		{"unknown kind", func(t *testing.T, c *Config) { c.Syncs[0].Kind = "direkt" },
			[]string{`unknown sync kind "direkt"`, `did you mean "direct"`}},
		{"missing source", func(t *testing.T, c *Config) { c.Syncs[0].Source = "" },
			[]string{`test.lua:7: sync{} key "source": missing`}},
		{"relative source", func(t *testing.T, c *Config) { c.Syncs[0].Source = "www" },
			[]string{`key "source": "www" is not an absolute path`}},
		{"source does not exist", func(t *testing.T, c *Config) { c.Syncs[0].Source += "/nope" },
			[]string{`key "source": `, "/src/nope does not exist"}},
		{"source is a file", func(t *testing.T, c *Config) {
			f := filepath.Join(c.Syncs[0].Source, "file")
			writeFile(t, f, "x")
			c.Syncs[0].Source = f
		}, []string{`key "source": `, "/src/file is not a directory"}},
		{"missing target", func(t *testing.T, c *Config) { c.Syncs[0].Target = "" },
			[]string{`test.lua:7: sync{} key "target": missing`}},
		{"relative target", func(t *testing.T, c *Config) { c.Syncs[0].Target = "dst" },
			[]string{`key "target": "dst" is not an absolute path`}},
		{"target is a file", func(t *testing.T, c *Config) {
			writeFile(t, c.Syncs[0].Target, "x")
		}, []string{`key "target": `, "exists and is not a directory"}},
		{"target is source", func(t *testing.T, c *Config) { c.Syncs[0].Target = c.Syncs[0].Source + "/" },
			[]string{`key "target": `, "is the source directory itself"}},
		{"target inside source", func(t *testing.T, c *Config) { c.Syncs[0].Target = c.Syncs[0].Source + "/mirror" },
			[]string{`key "target": `, "/src/mirror is inside source", "forever"}},
		{"target inside source through a symlink", func(t *testing.T, c *Config) {
			link := filepath.Join(filepath.Dir(c.Syncs[0].Source), "link")
			if err := os.Symlink(c.Syncs[0].Source, link); err != nil {
				t.Fatal(err)
			}
			c.Syncs[0].Target = link + "/mirror/deeper"
		}, []string{"/link/mirror/deeper is inside source"}},
		{"source inside target", func(t *testing.T, c *Config) { c.Syncs[0].Target = filepath.Dir(c.Syncs[0].Source) },
			[]string{`key "target": source `, "is inside target"}},
		{"empty name", func(t *testing.T, c *Config) { c.Syncs[0].Name = "" },
			[]string{`key "name": must not be empty`}},
		{"duplicate names", func(t *testing.T, c *Config) {
			s := addSync(t, c, 12)
			s.Name = c.Syncs[0].Name
		}, []string{`test.lua:12: sync{} key "name": "sync#1" is already the name of the sync{} at test.lua:7`}},
		{"same target", func(t *testing.T, c *Config) {
			s := addSync(t, c, 12)
			s.Target = c.Syncs[0].Target
		}, []string{`test.lua:12: sync{} key "target": `, "is also the target of another sync (the sync{} at test.lua:7)"}},
		{"target inside a deleting target", func(t *testing.T, c *Config) {
			s := addSync(t, c, 12)
			s.Target = c.Syncs[0].Target + "/sub"
		}, []string{`test.lua:12: sync{} key "target": `, "whose deletes would remove what this one writes"}},
		{"syncs feeding each other", func(t *testing.T, c *Config) {
			s := addSync(t, c, 12)
			s.Target = c.Syncs[0].Source + "/from-b"
			c.Syncs[0].Target = s.Source + "/from-a"
		}, []string{"test.lua:7: sync{} key \"target\": ", "mirrors back into", "test.lua:12: sync{}"}},
		{"negative delay", func(t *testing.T, c *Config) { c.Syncs[0].Delay = -time.Second },
			[]string{`key "delay": -1s: must not be negative`}},
		{"maxWait below delay", func(t *testing.T, c *Config) { c.Syncs[0].Delay = 15 * time.Second },
			[]string{`key "maxWait": 2s is shorter than delay 15s`}},
		{"zero workers", func(t *testing.T, c *Config) { c.Syncs[0].Workers = 0 },
			[]string{`key "workers": 0: must be at least 1`}},
		{"zero batchFiles", func(t *testing.T, c *Config) { c.Syncs[0].BatchFiles = 0 },
			[]string{`key "batchFiles": 0: must be at least 1`}},
		{"zero batchBytes", func(t *testing.T, c *Config) { c.Syncs[0].BatchBytes = 0 },
			[]string{`key "batchBytes": 0: must be at least 1`}},
		{"negative retry attempts", func(t *testing.T, c *Config) { c.Syncs[0].Retry.Attempts = -1 },
			[]string{`key "retry": attempts -1`}},
		{"retry max below initial", func(t *testing.T, c *Config) { c.Syncs[0].Retry.Max = time.Millisecond },
			[]string{`key "retry": max 1ms is shorter than initial 1s`}},
		{"bad exclude", func(t *testing.T, c *Config) { c.Syncs[0].Exclude = []string{"ok", "[bad"} },
			[]string{`key "exclude": exclude pattern "[bad": unterminated [`}},
		{"missing excludeFrom", func(t *testing.T, c *Config) { c.Syncs[0].ExcludeFrom = "/nonexistent/x" },
			[]string{`key "excludeFrom": read exclude file /nonexistent/x: no such file or directory`}},
		{"bad filter rule", func(t *testing.T, c *Config) { c.Syncs[0].FilterRules = []string{"*.o"} },
			[]string{`key "filter": filter rule "*.o"`}},
		{"bad junk", func(t *testing.T, c *Config) { c.Syncs[0].Junk = []string{"a/b"} },
			[]string{`key "junk": junk pattern "a/b"`}},
		{"bad inotifyMode", func(t *testing.T, c *Config) { c.Settings.InotifyMode = "closewrite" },
			[]string{`test.lua: settings{} key "inotifyMode": "closewrite" is not one of`, `did you mean "CloseWrite"`}},
		{"bad logLevel", func(t *testing.T, c *Config) { c.Settings.LogLevel = "verbose" },
			[]string{`settings{} key "logLevel": "verbose" is not one of`}},
		{"zero maxProcesses", func(t *testing.T, c *Config) { c.Settings.MaxProcesses = 0 },
			[]string{`settings{} key "maxProcesses": 0: must be at least 1`}},
		{"negative maxDelays", func(t *testing.T, c *Config) { c.Settings.MaxDelays = -1 },
			[]string{`settings{} key "maxDelays"`}},
		{"status file without interval", func(t *testing.T, c *Config) {
			c.Settings.StatusFile, c.Settings.StatusInterval = "/tmp/s", 0
		}, []string{`settings{} key "statusInterval": 0s: must be positive`}},
		{"negative shutdownGrace", func(t *testing.T, c *Config) { c.Settings.ShutdownGrace = -1 },
			[]string{`settings{} key "shutdownGrace"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			tt.mutate(t, c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not a *config.Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := validConfig(t)
	c.Settings.LogLevel = "loud"
	c.Syncs[0].Workers = 0
	c.Syncs[0].Delay = -1
	err := c.Validate()
	for _, w := range []string{`"logLevel"`, `"workers"`, `"delay"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v does not mention %s", err, w)
		}
	}
	if got := strings.Count(err.Error(), "\n"); got != 2 {
		t.Errorf("error has %d line breaks, want 3 problems on 3 lines:\n%v", got, err)
	}
}

// TestNestedTargetExcluded: an outer target may hold an inner one when the
// outer sync's filter keeps its deletes away from it.
func TestNestedTargetExcluded(t *testing.T) {
	c := validConfig(t)
	s := addSync(t, c, 12)
	s.Target = c.Syncs[0].Target + "/sub"
	c.Syncs[0].Exclude = []string{"/sub/"}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
	c.Syncs[0].Exclude = nil
	c.Syncs[0].Delete = false
	if err := c.Validate(); err == nil {
		t.Errorf(`with delete = "startup": Validate() = nil, want the nesting refused (full syncs delete)`)
	}
	c.Syncs[0].FullDelete = false
	if err := c.Validate(); err != nil {
		t.Errorf("without deletes: Validate() = %v, want nil", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

package config

import "testing"

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{Pos{"a.lua", 3}, "sync{}", "source", "missing"}, `a.lua:3: sync{} key "source": missing`},
		{Error{Pos{"a.lua", 3}, "sync{}", "", "no kind"}, `a.lua:3: sync{}: no kind`},
		{Error{Pos{"a.lua", 0}, "", "", "no sync{} found"}, `a.lua: no sync{} found`},
		{Error{Pos{}, "settings{}", "logfile", "want a string"}, `settings{} key "logfile": want a string`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"source", "target", "delay", "maxWait", "excludeFrom", "maxProcesses", "logfile"}
	tests := []struct{ word, want string }{
		{"sourc", "source"},
		{"taget", "target"},
		{"dealy", "delay"},
		{"maxwait", "maxWait"},
		{"logFile", "logfile"},
		{"exludeFrom", "excludeFrom"},
		{"maxProc", "maxProcesses"},
		{"onCreate", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.word, keys); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

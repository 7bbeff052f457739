package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesAreValid: every example config evaluates, validates and
// prints a plan; an example that rots fails here.
func TestExamplesAreValid(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.lua")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			out, code := runBinary(t, "check", f)
			if code != 0 || !strings.Contains(out, "config OK") {
				t.Fatalf("luasync check %s: status %d\n%s", f, code, out)
			}
		})
	}
}

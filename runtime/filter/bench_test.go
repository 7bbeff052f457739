package filter

import (
	"fmt"
	"testing"
)

// BenchmarkSkip measures one per-event decision with default junk, a typical
// lsyncd exclude list and a path five levels deep that is kept (the common,
// most expensive case: every list is consulted at every level).
func BenchmarkSkip(b *testing.B) {
	f := mustNew(b, Options{
		Exclude: []string{
			"*.log", ".git/", "/cache/", "node_modules/", "tmp/**", "*.pyc",
			"/var/sessions/", "logs/*.gz", "**/thumbs/*.jpg", ".DS_Store",
		},
		Rules: []string{"- *.bak", "+ */"},
	})
	path := "www/site/assets/images/2024/photo-of-the-day.png"
	b.ReportAllocs()
	for b.Loop() {
		if f.Skip(path, false) {
			b.Fatal("kept path skipped")
		}
	}
}

// BenchmarkSkipColdDirs is the same decision when the directory is not yet
// remembered: events spread over more directories than keptDirs holds.
func BenchmarkSkipColdDirs(b *testing.B) {
	f := mustNew(b, Options{
		Exclude: []string{
			"*.log", ".git/", "/cache/", "node_modules/", "tmp/**", "*.pyc",
			"/var/sessions/", "logs/*.gz", "**/thumbs/*.jpg", ".DS_Store",
		},
		Rules: []string{"- *.bak", "+ */"},
	})
	paths := make([]string, 2*maxKeptDirs)
	for i := range paths {
		paths[i] = fmt.Sprintf("www/site/assets/images/d%d/photo-of-the-day.png", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if f.Skip(paths[i%len(paths)], false) {
			b.Fatal("kept path skipped")
		}
		i++
	}
}

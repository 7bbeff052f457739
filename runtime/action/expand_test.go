package action

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

func TestExpandRescan(t *testing.T) {
	src := t.TempDir()
	for _, d := range []string{"d/e", "d/skip"} {
		if err := os.MkdirAll(filepath.Join(src, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"d/a", "d/e/f", "d/skip/g"} {
		if err := os.WriteFile(filepath.Join(src, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := &Sink{opts: Options{Source: src, Keep: func(rel string, isDir bool) bool { return rel != "d/skip" }}}
	in := event.Batch{{Op: event.Modify, Path: "x"}, {Op: event.Rescan, Path: "d", IsDir: true}, {Op: event.Rescan, Path: "", IsDir: true}}
	out, owner := s.expand(in)
	var got []string
	for _, ev := range out {
		got = append(got, ev.String())
	}
	want := []string{`Modify file "x"`, `Create dir "d"`, `Create file "d/a"`, `Create dir "d/e"`, `Create file "d/e/f"`, `Rescan dir ""`}
	if !slices.Equal(got, want) || !slices.Equal(owner, []int{0, 1, 1, 1, 1, 2}) {
		t.Fatalf("expand = %q owners %v\nwant %q", got, owner, want)
	}
	res := make([]event.Result, len(out))
	for i, ev := range out {
		res[i] = event.Result{Event: ev}
	}
	res[3] = event.Result{Event: out[3], Outcome: event.Retry, Err: errors.New("again")}
	folded := fold(in, owner, res)
	if folded[0].Outcome != event.OK || folded[1].Outcome != event.Retry || folded[1].Event.Op != event.Rescan || folded[2].Outcome != event.OK {
		t.Errorf("fold = %+v, want the Rescan retried and the rest ok", folded)
	}
}

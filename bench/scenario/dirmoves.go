package scenario

import (
	"context"
	"fmt"
	"time"
)

// movesTree is the deploy root the moved directories land in, already on
// the target before the tool starts, as a release directory is: the
// renames then happen inside a directory the tool has synced and watches,
// where a tool must rename on the target or copy each directory again.
var movesTree = Tree{Name: "moves", Files: 20, Dirs: 2, MinSize: 1 << 10, MaxSize: 8 << 10, Link: true}

// movedLevels are where an unpacked directory's files go, in turn.
var movedLevels = []string{"", "/a", "/a/b"}

// dirMovesGap is the pause between two unpacked directories: issue 8's
// report wrote them a few milliseconds apart, which is what lets a tool
// ship tmpN before its rename arrives, so that the rename finds it on the
// target (or in flight) and each moved directory must be sent again.
const dirMovesGap = 3 * time.Millisecond

// dirMoves unpacks n directories the way deploy tools and archive
// extractors do: mkdir -p tmpN/a/b, 5-10 files of 1-8 KB across its three
// levels, then a rename to movedN, dirMovesGap after the last. Once all are
// in place, one late file goes into each moved directory: a change inside
// a directory whose move the tool may not have shipped yet.
func dirMoves(n int) func(context.Context, *Writer) error {
	return func(ctx context.Context, w *Writer) error {
		for i := range n {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(dirMovesGap):
			}
			if err := unpack(w, fmt.Sprintf("moves/tmp%04d", i), movedName(i)); err != nil {
				return err
			}
		}
		for i := range n {
			if err := w.Write(movedName(i)+"/late", w.between(1<<10, 8<<10), 0); err != nil {
				return err
			}
		}
		return nil
	}
}

func movedName(i int) string { return fmt.Sprintf("moves/moved%04d", i) }

func unpack(w *Writer, tmp, final string) error {
	if err := w.Mkdir(tmp + "/a/b"); err != nil {
		return err
	}
	for j := range w.between(5, 10) {
		f := fmt.Sprintf("%s%s/f%d", tmp, movedLevels[j%len(movedLevels)], j)
		if err := w.Write(f, w.between(1<<10, 8<<10), 0); err != nil {
			return err
		}
	}
	return w.Rename(tmp, final)
}

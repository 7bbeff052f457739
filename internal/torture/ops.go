package torture

import "time"

// op is one kind of step a writer can take. do returns false, having
// changed nothing, when the tree offers nothing to do it to (no files yet,
// say); the writer then picks again.
type op struct {
	name   string
	weight int
	do     func(*writer) (bool, error)
}

// mix is what a writer does, by weight (they add up to 100).
var mix = []op{
	{"create", 12, opCreate},
	{"overwrite", 5, opOverwrite},
	{"append", 7, opAppend},
	{"truncate", 3, opTruncate},
	{"rewrite", 5, opRewrite},
	{"slow-write", 2, opSlowWrite},
	{"atomic-save", 4, patAtomicSave},
	{"touch", 2, opTouch},
	{"chmod-file", 3, opChmodFile},
	{"chmod-dir", 2, opChmodDir},
	{"rename-file", 5, opRenameFile},
	{"move-into-new-dir", 2, patMoveIntoFresh},
	{"rename-over", 2, patRenameOver},
	{"swap", 2, patSwap},
	{"delete-file", 5, opDeleteFile},
	{"mkdir", 3, opMkdir},
	{"deep-chain", 2, patDeepChain},
	{"burst-rename", 5, patBurstRename},
	{"hot-write", 8, opHotWrite},
	{"rename-dir", 2, opRenameDir},
	{"rename-twice", 2, patRenameTwice},
	{"out-and-back", 1, patOutAndBack},
	{"rename-over-empty-dir", 1, patRenameOverEmpty},
	{"retype", 2, patRetype},
	{"delete-tree", 2, opDeleteTree},
	{"rmdir", 1, opRmdir},
	{"symlink", 3, opSymlink},
	{"retarget-symlink", 2, opRetarget},
	{"delete-symlink", 1, opDeleteSymlink},
}

// shrink is what a writer does while its tree is over its size bound.
var shrink = []op{
	{"delete-file", 1, opDeleteFile},
	{"delete-tree", 1, opDeleteTree},
}

func (w *writer) pickOp() op {
	table := w.ops
	if w.m.size() > w.maxEntries {
		table = shrink
	}
	total := 0
	for _, o := range table {
		total += o.weight
	}
	r := w.rng.IntN(total)
	for _, o := range table {
		if r < o.weight {
			return o
		}
		r -= o.weight
	}
	panic("unreachable")
}

func opCreate(w *writer) (bool, error) {
	return true, w.create(w.newPath(w.pickParent(), "f"), w.data(w.fileSize()))
}

// on does act to a random entry of kind k; false when there is none.
func (w *writer) on(k kind, act func(p string) error) (bool, error) {
	p := w.pick(k)
	if p == "" {
		return false, nil
	}
	return true, act(p)
}

func opOverwrite(w *writer) (bool, error) {
	return w.on(file, func(f string) error { return w.overwrite(f, w.data(w.fileSize())) })
}

func opAppend(w *writer) (bool, error) {
	return w.on(file, func(f string) error { return w.appendTo(f, w.data(1+w.rng.IntN(4<<10))) })
}

// opTruncate cuts a file to nothing, shortens or extends it.
func opTruncate(w *writer) (bool, error) {
	f := w.pick(file)
	if f == "" {
		return false, nil
	}
	size := w.m.get(f).size
	switch w.rng.IntN(3) {
	case 0:
		size = 0
	case 1:
		if size > 0 {
			size = w.rng.Int64N(size)
		}
	default:
		size += 1 + w.rng.Int64N(8<<10)
	}
	return true, w.truncate(f, size)
}

func opRewrite(w *writer) (bool, error) {
	f := w.pick(file)
	if f == "" || w.m.get(f).size == 0 {
		return false, nil
	}
	size := w.m.get(f).size
	off := w.rng.Int64N(size)
	n := 1 + w.rng.Int64N(min(size-off, 4<<10))
	return true, w.rewrite(f, off, w.data(int(n)))
}

// opSlowWrite writes a new or existing file in a few chunks, pausing
// between them with the file open.
func opSlowWrite(w *writer) (bool, error) {
	f := w.pick(file)
	if f == "" || w.rng.IntN(2) == 0 {
		f = w.newPath(w.pickParent(), "s")
	}
	chunks := make([][]byte, 2+w.rng.IntN(3))
	pauses := make([]time.Duration, len(chunks)-1)
	for i := range chunks {
		chunks[i] = w.data(w.fileSize()/len(chunks) + 1)
	}
	for i := range pauses {
		pauses[i] = time.Duration(1+w.rng.IntN(10)) * time.Millisecond
	}
	return true, w.slowWrite(f, chunks, pauses)
}

func opTouch(w *writer) (bool, error) {
	return w.on(file, func(f string) error { return w.touch(f, w.mtime()) })
}

func opChmodFile(w *writer) (bool, error) {
	return w.on(file, func(f string) error { return w.chmod(f, w.fileMode()) })
}

func opChmodDir(w *writer) (bool, error) {
	return true, w.chmod(w.pick(dir), w.dirMode())
}

// opRenameFile renames a file or symlink, half the time within its
// directory, else into another one.
func opRenameFile(w *writer) (bool, error) {
	f := w.pickEntry()
	if f == "" {
		return false, nil
	}
	to := parent(f)
	if w.rng.IntN(2) == 0 {
		to = w.pickParent()
	}
	return true, w.rename(f, w.newPath(to, "r"))
}

func opDeleteFile(w *writer) (bool, error) { return w.on(file, w.remove) }

func opMkdir(w *writer) (bool, error) {
	return true, w.mkdir(w.newPath(w.pickParent(), "d"))
}

// opHotWrite writes, appends or deletes inside a directory that was
// created and renamed into place a while ago.
func opHotWrite(w *writer) (bool, error) {
	h := w.pickHot()
	if h == "" {
		return false, nil
	}
	files := w.filesBelow(h)
	if len(files) == 0 || w.rng.IntN(3) == 0 {
		return true, w.create(w.newPath(h, "h"), w.data(w.fileSize()))
	}
	f := files[w.rng.IntN(len(files))]
	if w.rng.IntN(4) == 0 {
		return true, w.remove(f)
	}
	return true, w.appendTo(f, w.data(1+w.rng.IntN(4<<10)))
}

func opRenameDir(w *writer) (bool, error) {
	d := w.pickSubdir()
	if d == "" {
		return false, nil
	}
	to := w.newPath(w.pickParent(), "m")
	if !w.canMove(d, to) {
		return false, nil
	}
	return true, w.rename(d, to)
}

func opDeleteTree(w *writer) (bool, error) {
	d := w.pickSubdir()
	if d == "" {
		return false, nil
	}
	return true, w.removeAll(d)
}

func opRmdir(w *writer) (bool, error) {
	d := w.pickEmptyDir()
	if d == "" {
		return false, nil
	}
	return true, w.remove(d)
}

func opSymlink(w *writer) (bool, error) {
	d := w.pickParent()
	return true, w.symlink(w.linkTarget(d), w.newPath(d, "l"))
}

// opRetarget points a symlink elsewhere: by removing and recreating it, or
// atomically, by renaming a new link over it.
func opRetarget(w *writer) (bool, error) {
	l := w.pick(symlink)
	if l == "" {
		return false, nil
	}
	target := w.linkTarget(parent(l))
	if w.rng.IntN(2) == 0 {
		if err := w.remove(l); err != nil {
			return true, err
		}
		return true, w.symlink(target, l)
	}
	tmp := w.newPath(parent(l), ".ln")
	if err := w.symlink(target, tmp); err != nil {
		return true, err
	}
	return true, w.rename(tmp, l)
}

func opDeleteSymlink(w *writer) (bool, error) { return w.on(symlink, w.remove) }

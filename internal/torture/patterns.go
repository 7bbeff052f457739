package torture

import "strconv"

// The patterns: several operations back to back, with no pause between
// them, in the shapes that have broken watchers and sinks. Each starts with
// a note in the op log naming it.

// patBurstRename is the pattern of issue 8: mkdir -p tmpN/a/b, files
// written into every level at once, tmpN renamed to its final name within
// the same millisecond, and the final tree made hot so that later steps
// write, append and delete inside it.
func patBurstRename(w *writer) (bool, error) {
	final := w.newPath(w.pickParent(), "d")
	tmp := w.newPath(w.m.top, "tmp")
	if !fits(len(final)+len("/a/b/")+255) || !fits(len(tmp)+len("/a/b/")+255) {
		return false, nil
	}
	w.log.note(w.id, "burst-rename "+strconv.Quote(tmp)+" -> "+strconv.Quote(final))
	levels := []string{tmp, tmp + "/a", tmp + "/a/b"}
	for _, d := range levels {
		if err := w.mkdir(d); err != nil {
			return true, err
		}
	}
	for _, d := range levels {
		for range 1 + w.rng.IntN(3) {
			if err := w.create(w.newPath(d, "b"), w.data(w.fileSize())); err != nil {
				return true, err
			}
		}
	}
	if err := w.rename(tmp, final); err != nil {
		return true, err
	}
	w.addHot(final, final+"/a", final+"/a/b")
	if w.rng.IntN(3) == 0 {
		return true, w.create(w.newPath(final+"/a/b", "h"), w.data(w.fileSize()))
	}
	return true, nil
}

// patDeepChain is mkdir -p of 3 to 7 levels with a file written into every
// level right away: after all the mkdirs, or each after its own mkdir.
func patDeepChain(w *writer) (bool, error) {
	var chain []string
	d := w.pickParent()
	for range 3 + w.rng.IntN(5) {
		d = w.newPath(d, "c")
		if !fits(len(d) + 1 + 255) {
			break
		}
		chain = append(chain, d)
	}
	if len(chain) == 0 {
		return false, nil
	}
	w.log.note(w.id, "deep-chain "+strconv.Quote(chain[len(chain)-1]))
	interleave := w.rng.IntN(2) == 0
	for _, d := range chain {
		if err := w.mkdir(d); err != nil {
			return true, err
		}
		if interleave {
			if err := w.create(w.newPath(d, "e"), w.data(w.fileSize())); err != nil {
				return true, err
			}
		}
	}
	if !interleave {
		for _, d := range chain {
			if err := w.create(w.newPath(d, "e"), w.data(w.fileSize())); err != nil {
				return true, err
			}
		}
	}
	w.addHot(chain[0])
	return true, nil
}

// patRenameTwice renames a directory a -> b -> c in quick succession.
func patRenameTwice(w *writer) (bool, error) {
	a := w.pickSubdir()
	if a == "" {
		return false, nil
	}
	b := w.newPath(w.pickParent(), "m")
	if !w.canMove(a, b) {
		return false, nil
	}
	w.log.note(w.id, "rename-twice "+strconv.Quote(a))
	if err := w.rename(a, b); err != nil {
		return true, err
	}
	c := w.newPath(w.pickParent(), "m")
	if !w.canMove(b, c) {
		c = w.m.top + "/m" + strconv.Itoa(w.names)
		if !w.canMove(b, c) {
			return true, nil
		}
	}
	return true, w.rename(b, c)
}

// patOutAndBack moves a directory out of its subtree to the top and back
// to where it was, sometimes writing into it while it is away.
func patOutAndBack(w *writer) (bool, error) {
	d := w.pickSubdir()
	if d == "" || parent(d) == w.m.top {
		return false, nil
	}
	out := w.newPath(w.m.top, "out")
	if !w.canMove(d, out) || !fits(len(d)+len("/x")+8) {
		return false, nil
	}
	w.log.note(w.id, "out-and-back "+strconv.Quote(d))
	if err := w.rename(d, out); err != nil {
		return true, err
	}
	if w.rng.IntN(2) == 0 {
		w.names++
		if err := w.create(out+"/x"+strconv.Itoa(w.names), w.data(w.fileSize())); err != nil {
			return true, err
		}
	}
	return true, w.rename(out, d)
}

// patSwap swaps two entries (files, directories, symlinks, or one of each)
// through a temporary name: a -> tmp, b -> a, tmp -> b.
func patSwap(w *writer) (bool, error) {
	a, b := w.pickAny(), w.pickAny()
	if a == "" || b == "" || within(a, b) || within(b, a) {
		return false, nil
	}
	tmp := w.newPath(parent(a), ".swap")
	la, lb := w.m.longest(a)-len(a), w.m.longest(b)-len(b)
	if !fits(la+len(tmp)) || !fits(lb+len(a)) || !fits(la+len(b)) {
		return false, nil
	}
	w.log.note(w.id, "swap "+strconv.Quote(a)+" "+strconv.Quote(b))
	for _, mv := range [][2]string{{a, tmp}, {b, a}, {tmp, b}} {
		if err := w.rename(mv[0], mv[1]); err != nil {
			return true, err
		}
	}
	return true, nil
}

// pickAny returns a random entry below the top (of any kind), or "".
func (w *writer) pickAny() string {
	if w.rng.IntN(3) == 0 {
		return w.pickSubdir()
	}
	return w.pickEntry()
}

// patRenameOver renames a file or symlink over another one.
func patRenameOver(w *writer) (bool, error) {
	a, b := w.pickEntry(), w.pickEntry()
	if a == "" || b == "" || a == b {
		return false, nil
	}
	return true, w.rename(a, b)
}

// patAtomicSave is how editors and deploy tools save: write a temporary
// file beside the target, give it the target's mode, rename it over.
func patAtomicSave(w *writer) (bool, error) {
	f := w.pick(file)
	if f == "" {
		return false, nil
	}
	tmp := w.newPath(parent(f), ".save")
	if err := w.create(tmp, w.data(w.fileSize())); err != nil {
		return true, err
	}
	if w.rng.IntN(2) == 0 {
		if err := w.chmod(tmp, w.m.get(f).mode); err != nil {
			return true, err
		}
	}
	return true, w.rename(tmp, f)
}

// patMoveIntoFresh makes a directory and at once moves a file into it.
func patMoveIntoFresh(w *writer) (bool, error) {
	f := w.pickEntry()
	d := w.newPath(w.pickParent(), "n")
	if f == "" || !fits(len(d)+1+len(base(f))) {
		return false, nil
	}
	if err := w.mkdir(d); err != nil {
		return true, err
	}
	return true, w.rename(f, d+"/"+base(f))
}

// patRenameOverEmpty renames a directory over an empty one.
func patRenameOverEmpty(w *writer) (bool, error) {
	a, b := w.pickSubdir(), w.pickEmptyDir()
	if a == "" || b == "" || within(a, b) || within(b, a) {
		return false, nil
	}
	if !fits(w.m.longest(a) - len(a) + len(b)) {
		return false, nil
	}
	return true, w.rename(a, b)
}

// patRetype replaces an entry by one of another type under the same name
// (a file by a directory, a directory by a file, a file by a symlink), and
// half the time back again at once.
func patRetype(w *writer) (bool, error) {
	p, isDir := w.pick(file), false
	if w.rng.IntN(3) == 0 {
		p, isDir = w.pickSubdir(), true
	}
	if p == "" || !fits(len(p)+len("/i")+8) {
		return false, nil
	}
	w.log.note(w.id, "retype "+strconv.Quote(p))
	steps := 1 + w.rng.IntN(2)
	if !isDir && w.rng.IntN(3) == 0 {
		return true, w.fileToSymlink(p, steps == 2)
	}
	for range steps {
		var err error
		if isDir {
			err = w.dirToFile(p)
		} else {
			err = w.fileToDir(p)
		}
		if err != nil {
			return true, err
		}
		isDir = !isDir
	}
	return true, nil
}

func (w *writer) fileToDir(p string) error {
	if err := w.remove(p); err != nil {
		return err
	}
	if err := w.mkdir(p); err != nil {
		return err
	}
	w.names++
	return w.create(p+"/i"+strconv.Itoa(w.names), w.data(w.fileSize()))
}

func (w *writer) dirToFile(p string) error {
	if err := w.removeAll(p); err != nil {
		return err
	}
	return w.create(p, w.data(w.fileSize()))
}

func (w *writer) fileToSymlink(p string, back bool) error {
	if err := w.remove(p); err != nil {
		return err
	}
	if err := w.symlink(w.linkTarget(parent(p)), p); err != nil {
		return err
	}
	if !back {
		return nil
	}
	if err := w.remove(p); err != nil {
		return err
	}
	return w.create(p, w.data(w.fileSize()))
}

// Package nesting tells whether two local directories overlap: the same
// directory, or one inside the other, compared both as written and with
// symlinks resolved. A mirror inside its source would copy itself forever;
// a source inside its target would be deleted by the first full sync.
// Package config checks it when it validates a config, and the direct and
// rsync sinks again when they are built.
package nesting

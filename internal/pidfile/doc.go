// Package pidfile is lsyncd's pidfile, made safe: the file holds the PID of
// the luasync that runs, is locked (flock) for as long as that process
// lives, so a second one started with the same pidfile refuses to start and
// says whose it is, and is removed when the first one exits.
//
// A lock file that is removed at exit has a race a plain lock file has not:
// a newcomer may open the old file, and lock it, just as the holder unlinks
// it, and so hold a lock on a file no longer at the path. Lock closes that
// gap by checking, once it holds the lock, that the path still names the
// file it locked, and trying again if not.
package pidfile

package rsync

import "fmt"

// Class is what an rsync exit status means for the events of the run.
type Class uint8

const (
	// OK: the run did what it was asked.
	OK Class = iota
	// Retry: the target or the network failed, or the run was killed;
	// the same run later can succeed.
	Retry
	// Fatal: rsync refused the command or the target's configuration;
	// repeating the run will not help until an operator acts.
	Fatal
	// Stop: the config's exit code table says "die" for this status:
	// the sink stops (event.Stop). No status has it by default.
	Stop
)

func (c Class) String() string {
	switch c {
	case OK:
		return "ok"
	case Retry:
		return "retry"
	case Fatal:
		return "fatal"
	case Stop:
		return "stop"
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// exitCodes are rsync's exit statuses (rsync(1) "EXIT VALUES", errcode.h)
// with their class. Why each class:
//
//   - 24, "some files vanished": the source changed while rsync read it;
//     the watcher reports those changes, so the run is complete by state.
//   - 23, "partial transfer": some paths failed. It is Retry here; Apply
//     narrows it to the paths rsync names on stderr when it can.
//   - 3, file selection: a directory rsync had to enter was missing. In a
//     live tree that is a race, not a mistake, so it is retried.
//   - 5, the daemon refused the session (wrong password, unknown or full
//     module): an operator fixes the daemon, and the events wait (in the
//     retry queue, then the fail log) instead of being lost.
//   - 10, 12, 30, 35, 255: network, protocol stream, timeouts, ssh: the
//     target is down or unreachable.
//   - 11, 14, 15, 16, 19, 20, 21, 22, 124, 125: local trouble (disk, fork,
//     memory, a crashed or signalled child): transient.
//   - 1, 2, 4, 6, 13, 25, 126, 127: a bad option, an incompatible or
//     missing remote rsync, a daemon that cannot write its log, a
//     --max-delete stop: the command itself must change.
//
// A status not in the table retries: the retry budget still ends in the
// fail log, so an unknown status costs time, never an event.
var exitCodes = map[int]struct {
	class   Class
	meaning string
}{
	0:   {OK, "success"},
	1:   {Fatal, "syntax or usage error"},
	2:   {Fatal, "protocol incompatibility"},
	3:   {Retry, "errors selecting input/output files, dirs"},
	4:   {Fatal, "requested action not supported"},
	5:   {Retry, "error starting client-server protocol (auth failed, unknown module, or too many connections)"},
	6:   {Fatal, "daemon unable to append to log-file"},
	10:  {Retry, "error in socket I/O"},
	11:  {Retry, "error in file I/O"},
	12:  {Retry, "error in rsync protocol data stream"},
	13:  {Fatal, "errors with program diagnostics"},
	14:  {Retry, "error in IPC code"},
	15:  {Retry, "sibling process crashed"},
	16:  {Retry, "sibling process terminated abnormally"},
	19:  {Retry, "received SIGUSR1"},
	20:  {Retry, "received SIGUSR1 or SIGINT"},
	21:  {Retry, "some error returned by waitpid()"},
	22:  {Retry, "error allocating core memory buffers"},
	23:  {Retry, "partial transfer due to error"},
	24:  {OK, "partial transfer due to vanished source files"},
	25:  {Fatal, "the --max-delete limit stopped deletions"},
	30:  {Retry, "timeout in data send/receive"},
	35:  {Retry, "timeout waiting for daemon connection"},
	124: {Retry, "remote shell failed"},
	125: {Retry, "remote shell killed"},
	126: {Fatal, "remote shell command could not be run"},
	127: {Fatal, "remote shell command not found"},
	255: {Retry, "remote shell (ssh) failed: connection or authentication"},
}

// ExitClass classifies how an rsync run ended: its exit status, or a
// signal (signaled, code ignored), which is Retry: luasync kills a run
// only at shutdown, and anything else that kills it is not about the
// events. See exitCodes for the table and the reasons.
func ExitClass(code int, signaled bool) Class {
	if signaled {
		return Retry
	}
	if c, ok := exitCodes[code]; ok {
		return c.class
	}
	return Retry
}

// exitMeaning is rsync's description of a status, for messages.
func exitMeaning(code int, signaled bool) string {
	if signaled {
		return "killed by a signal"
	}
	if c, ok := exitCodes[code]; ok {
		return c.meaning
	}
	return "unknown exit status"
}

// exitHints say what an operator can do about the statuses that usually
// mean the target, not the data, is at fault.
var exitHints = map[int]string{
	5:   "check the user in the target, rsync.password_file, and that the module exists in the daemon's rsyncd.conf",
	10:  "is the target host up and the rsync daemon (or sshd) listening on that port? check firewalls between them",
	12:  "rsync may be missing or very old on the remote side, or its login prints text; try the same rsync by hand",
	30:  "the target stopped answering; check the network, or raise rsync.timeout for slow links",
	35:  "the daemon did not answer in time; check the network, or raise rsync.timeout for slow links",
	127: "rsync is not installed on the remote host (apt-get install rsync there), or rsync.rsync_path is wrong",
	255: "ssh failed: check host, ssh.port and ssh.identityFile, and that the key is in the remote authorized_keys",
}

// exitHint is what to do about a status, or "".
func exitHint(code int, signaled bool) string {
	if signaled {
		return ""
	}
	return exitHints[code]
}

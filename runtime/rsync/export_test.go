package rsync

import "time"

// ControlSocket is the sink's shared ssh connection's socket, "" when it
// has none.
func ControlSocket(s *Sink) string {
	if s.master == nil {
		return ""
	}
	return s.master.sock
}

// SharedUp reports whether the sink's shared ssh connection answers.
func SharedUp(s *Sink) bool { return s.master != nil && s.master.up() }

// SetWarmIdle changes how long a warm run waits for its batch, for a test.
func SetWarmIdle(d time.Duration) (restore func()) {
	old := warmIdle
	warmIdle = d
	return func() { warmIdle = old }
}

// ClassOfRun is the class of a run that exited with code and stderr.
func ClassOfRun(code int, stderr string) Class {
	return (&Sink{}).class(result{code: code, stderr: []byte(stderr)})
}

package rsync

import "fmt"

// class is how a run ended for its events: a run that did not start, was
// cut short by ctx, or lost a race with the source (sourceRaced) is
// Retry; otherwise Options.ExitCodes, then ExitClass, decide.
func (s *Sink) class(r result) Class {
	if r.err != nil || sourceRaced(r) {
		return Retry
	}
	if c, ok := s.opts.ExitCodes[r.code]; ok && !r.signaled {
		return c
	}
	return ExitClass(r.code, r.signaled)
}

// sshClass is how the ssh run of a move script ended: Options.SSHExitCodes
// for its status if it names it, else Retry when ssh itself failed (255, a
// signal, no start) and OK otherwise (the script's output says which
// renames were done).
func (s *Sink) sshClass(r result) Class {
	if r.err != nil || r.signaled {
		return Retry
	}
	if c, ok := s.opts.SSHExitCodes[r.code]; ok {
		return c
	}
	if r.code == 255 {
		return Retry
	}
	return OK
}

// dieError is the error of a run whose status the config's table (key)
// calls "die".
func (s *Sink) dieError(r result, what, key string) error {
	at := s.opts.ExitCodesFrom
	if key == "sshExitCodes" {
		at = s.opts.SSHExitCodesFrom
	}
	if at != "" {
		at = " (" + at + ")"
	}
	return fmt.Errorf("%w; %s%s says \"die\" for exit %d: this target stops until luasync restarts", r.failure(what), key, at, r.code)
}

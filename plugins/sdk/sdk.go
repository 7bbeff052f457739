package sdk

import (
	"context"
	"fmt"
	"time"
)

// Plugin is what a plugin implements.
type Plugin interface {
	// Info says what the plugin is and what it takes.
	Info() Info
	// Configure checks and takes the plugin's config. With cfg.Check set
	// (`luasync check`) it must only validate: open no connection, start
	// nothing. Return cfg.Err() to report mistakes by key.
	Configure(ctx context.Context, cfg *Config) error
	// Handle applies a batch and returns a Result per event (matched by
	// ID, in any order). Events left out are retried. ctx ends when the
	// host's timeout for the call does.
	Handle(ctx context.Context, events []Event) []Result
}

// Info describes a plugin.
type Info struct {
	Name    string
	Version string
	// Accepts lists the operations the plugin wants; nil means all. The
	// host settles the others without a call.
	Accepts []Op
	// MaxBatch caps the events in one Handle call (0: the host's default).
	MaxBatch int
	// MaxInFlight is how many Handle calls may run at once (0: one).
	MaxInFlight int
	// NoReplay: events that went to the fail log are never handed over
	// again, later in the run or at the next start; they stay in the fail
	// log for the operator. By default they are replayed.
	NoReplay bool
}

// Op is what happened to a path.
type Op int

// The operations, as pluginv1.Op numbers them.
const (
	Create Op = iota + 1 // a file or directory appeared
	Modify               // a file's contents changed
	Attrib               // owner, mode or times changed
	Delete               // the path is gone
	Move                 // From was renamed to Path
	// Full: anything below Path (a directory; "" for the whole source)
	// may have changed. Treat it as a change to every file below.
	Full
)

var opNames = [...]string{Create: "create", Modify: "modify", Attrib: "attrib", Delete: "delete", Move: "move", Full: "full"}

// String is the op's lower-case name, as the socket plugin's JSON and the
// command plugin's LUASYNC_OP spell it.
func (o Op) String() string {
	if o > 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", int(o))
}

// ParseOp is the inverse of Op.String.
func ParseOp(s string) (Op, error) {
	for i, n := range opNames {
		if n != "" && n == s {
			return Op(i), nil
		}
	}
	return 0, fmt.Errorf("unknown op %q (want create, modify, attrib, delete, move or full)", s)
}

// Event is one change, relative to the sync's source.
type Event struct {
	ID    uint64 // unique within one Handle call; results name it
	Op    Op
	Path  string // "/"-separated, relative; any byte but NUL may be in it
	From  string // Move's old name
	IsDir bool
	Time  time.Time // when luasync handed it over (the batch's start)
	Size  int64     // the file's size when last seen, -1 if unknown
	// Again: the event was sent before, to a process that died or hung
	// before answering, so it may have been handled. A move is the one
	// event that does harm twice: with Again, check that From still holds
	// what was moved, or apply it as a delete of From and a change of all
	// of Path.
	Again bool
}

// Outcome is what became of an event.
type Outcome int

// The outcomes, as pluginv1.Outcome numbers them.
const (
	OK    Outcome = iota + 1 // done
	Retry                    // try again later; the fail log once the retry budget is spent
	Fail                     // will never work: the fail log at once
)

func (o Outcome) String() string {
	switch o {
	case OK:
		return "ok"
	case Retry:
		return "retry"
	case Fail:
		return "fail"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Result is the outcome of one event.
type Result struct {
	ID      uint64
	Outcome Outcome
	Reason  string // why, for Retry and Fail
}

// Done is an OK result for ev.
func Done(ev Event) Result { return Result{ID: ev.ID, Outcome: OK} }

// Again is a Retry result for ev, with why.
func Again(ev Event, err error) Result { return Result{ID: ev.ID, Outcome: Retry, Reason: reason(err)} }

// Failed is a Fail result for ev, with why.
func Failed(ev Event, err error) Result { return Result{ID: ev.ID, Outcome: Fail, Reason: reason(err)} }

// All gives every event the same outcome.
func All(events []Event, o Outcome, err error) []Result {
	out := make([]Result, len(events))
	for i, ev := range events {
		out[i] = Result{ID: ev.ID, Outcome: o}
		if o != OK {
			out[i].Reason = reason(err)
		}
	}
	return out
}

func reason(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

package event

import "time"

// What Lua actions (lsyncd's layers 1 to 3) hand back to the sink that runs
// them: processes to start and batches they have settled. Package luavm
// produces them and package action consumes them; they live here because
// stages share only this package.

// Spawn is a process an action asked for with spawn(agent, binary, ...).
// It is started without a shell: Argv[0] is the binary.
type Spawn struct {
	Agent    int64 // handed back to Collect when the process ends
	Sync     int   // the sync whose action asked
	Argv     []string
	Stdin    string // the process's standard input, when HasStdin
	HasStdin bool
	Timeout  time.Duration // 0: none; else the process is stopped after it
	// Mirror, when not nil, replaces the process: the sync's own mirror
	// applies these events of its batches (Argv is empty), as lsyncd's
	// default.rsync.action(inlet) does from a custom action.
	Mirror []Ref
}

// Ref names one event of a batch handed to the actions: Batch is the id
// the sink gave it, Index the event's position (-1: an event the actions
// made themselves, such as a blanket, which a mirror has nothing to do for).
type Ref struct {
	Batch uint64
	Index int
}

// Settled is a batch whose every event the actions have finished with.
type Settled struct {
	Batch    uint64
	Outcomes map[int]Outcome // by the event's index in the batch; missing means OK
	Why      map[int]string  // for outcomes other than OK
	Died     bool            // a collect returned "die": the sync has stopped
}

// Step is what one call into the actions produced.
type Step struct {
	Spawns  []Spawn
	Settled []Settled
}

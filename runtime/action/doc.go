// Package action is the sink that runs a sync's Lua actions: lsyncd's
// layers 1 to 3 (action(inlet), onCreate = function(event) ..., onCreate =
// "/bin/cp ^sourcePath ^targetPath"). The Lua side (package luavm) decides
// what to run; this package starts the processes an action spawns, waits
// for them, reports each exit code back to the sync's collect function,
// and answers the pool once the actions have settled every event of a
// batch.
//
// The Lua state serves every sync from one goroutine, so nothing here
// waits inside Lua: a spawned process is waited for by a goroutine of its
// own, and only its exit code goes back into the state. A slow action
// therefore never delays another sync's filters or batches.
//
// Outcomes: "ok" (or exit code 0 with the default collect) applies the
// event; "again" retries it with the pool's backoff and, once the retry
// budget is spent, writes it to the fail log; "die" stops this sync alone:
// every event it has or gets from then on goes to the fail log, and the
// stop is logged as an error naming the sync and its config line.
package action

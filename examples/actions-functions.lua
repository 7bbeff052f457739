-- Layer 2 actions: Lua functions per event. Each new or changed file gets
-- a SHA-256 line in the log; deletes are logged; a move is one event.
--   go run ./cmd/luasync run examples/actions-functions.lua
settings { failLog = "demo/actions-functions.fail.log" }

sync {
    name   = "checksums",
    source = "demo/source/uploads",
    delay  = 0.2,
    maxProcesses = 4,
    exitcodes = { [0] = "ok", [1] = "again" },   -- a file that vanished meanwhile: try again
    onCreate = function(event)
        if event.isdir then return end          -- nothing spawned: the event is done
        luasync.exec{ event, "sha256sum", "--", event.sourcePath, timeout = 30 }
    end,
    onModify = function(event) spawn(event, "sha256sum", "--", event.sourcePath) end,
    onDelete = function(event) log("Normal", "deleted ", event.pathname) end,
    onMove   = function(from, to) log("Normal", "moved ", from.pathname, " to ", to.pathname) end,
}

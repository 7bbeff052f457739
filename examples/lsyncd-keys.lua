-- lsyncd's sync{} keys that luasync takes as they are: a filterFrom file of
-- "+ pattern" / "- pattern" rules, delete = "startup" (only the startup sync
-- deletes extras on the mirror; deletes while running are not mirrored),
-- batchSizeLimit (a file over 1 MiB gets a batch of its own) and a per-sync
-- maxDelays.
--   go run ./cmd/luasync run examples/lsyncd-keys.lua
settings { failLog = "demo/lsyncd-keys.fail.log" }

sync {
    default.direct,
    source         = "demo/source",
    target         = "demo/archive",
    filterFrom     = "demo/archive.rules",   -- relative to this file
    delete         = "startup",
    batchSizeLimit = 1024 * 1024,
    maxDelays      = 100,
    maxProcesses   = 2,                      -- so a large file goes beside the others
    delay          = 0.1,
}

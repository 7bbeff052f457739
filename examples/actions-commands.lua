-- Layer 3 actions: a mirror kept with cp, rm and mv, the way lsyncd's
-- examples/lbash.lua does it. Every ^variable reaches the command as one
-- argument ("$1", "$2", ... for the shell), whatever the file is called.
--   go run ./cmd/luasync run examples/actions-commands.lua
settings { failLog = "demo/actions-commands.fail.log" }

sync {
    name     = "commands",
    source   = "demo/source/site",
    target   = "demo/actions-mirror/",     -- ^target: keep the trailing "/"
    delay    = 0.2,
    maxProcesses = 1,                       -- one command at a time, in order
    onStartup = "mkdir -p ^target && cp -a ^source. ^target",
    -- A path gone by the time its command runs is fine: the delete or
    -- rename that took it comes next. Without the "||", cp fails, and the
    -- default collect stops the sync on any exit code but 0, as lsyncd's.
    onCreate = "cp -a ^sourcePath ^targetPathdir || [ ! -e ^sourcePath ]",
    onModify = "cp -a ^sourcePath ^targetPathdir || [ ! -e ^sourcePath ]",
    onAttrib = "cp -a ^sourcePath ^targetPathdir || [ ! -e ^sourcePath ]",
    onDelete = "rm -rf ^targetPath",
    -- The old name may never have been copied: copy the new one instead.
    onMove   = "mv ^o.targetPath ^d.targetPath || cp -a ^d.sourcePath ^d.targetPathdir || [ ! -e ^d.sourcePath ]",
}

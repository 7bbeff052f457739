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
    onCreate = "cp -a ^sourcePath ^targetPathdir",
    onModify = "cp -a ^sourcePath ^targetPathdir",
    onAttrib = "cp -a ^sourcePath ^targetPathdir",
    onDelete = "rm -rf ^targetPath",
    onMove   = "mv ^o.targetPath ^d.targetPath",
}

-- Mirror a tree to an rsync daemon that only listens on its own loopback,
-- through ssh port forwards that luasync starts and supervises: lsyncd
-- 2.3's tunnel{} in pool mode. Two forwards run, each on its own free local
-- port; every rsync run goes through one of them, round robin, and while
-- none is up the changes wait (nothing is lost or sent to the fail log).
-- See docs/tunnel.md.
--
--   luasync check examples/tunnel.lua
--
-- On backup.example.com, rsyncd.conf has
--
--   address = 127.0.0.1
--   [projects]
--       path = /srv/projects
--       read only = false
--
-- and the tunnel user's key in ~/.ssh/authorized_keys may only forward to it:
--
--   restrict,port-forwarding,permitopen="localhost:873" ssh-ed25519 AAAA...

settings {
    failLog = "demo/luasync.fail.log",
}

local backup = tunnel {
    mode      = "pool",          -- "command" (the default) runs one process, as written
    parallel  = 2,               -- pool mode: how many forwards
    localhost = "127.0.0.1",     -- what ^localhost stands for
    command   = {                -- argv, never a shell; ^localport is each process's own port
        "ssh", "-N",
        "-o", "BatchMode=yes",            -- never wait for a password prompt
        "-o", "ExitOnForwardFailure=yes", -- exit (and be restarted) if the port cannot be bound
        "-o", "ServerAliveInterval=15",   -- notice a dead connection
        "-L", "^localhost:^localport:localhost:873",
        "tunnel@backup.example.com",
    },
    readyDelay = 5,              -- a forward that has run 5 s is up ...
    checkCommand = {             -- ... or, with a check, once this passes (and while it keeps passing)
        "rsync", "--contimeout=10", "rsync://^localhost:^localport/",
    },
    retryDelay = 10,             -- a forward that exits is started again 10 s later
}

sync {
    default.rsync,
    source       = "demo/source",
    target       = "rsync://^localhost:^localport/projects",
    tunnel       = backup,       -- several syncs may share one tunnel
    maxProcesses = 4,            -- four rsync runs at once, over the two forwards
}

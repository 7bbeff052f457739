-- A web root mirrored to a web server's document root, with the three
-- built-in plugins hung on the same sync (sersync's command, socket and
-- refreshCDN plugins, done safely), each with its own queue, retries and
-- fail log entries: one that is down holds back neither the mirror nor the
-- others. See the README's "Plugins" and docs/plugins.md.
--
--   luasync check examples/plugins.lua   # starts each plugin to check its keys
--
-- Relative paths are resolved against this file's directory.

settings {
    logLevel = "info",
    failLog  = "demo/luasync.fail.log",
}

sync {
    default.direct,
    name    = "www",
    source  = "demo/source",
    target  = "demo/mirror",
    delay   = 0.1,
    plugins = {
        -- Run a command per change: no shell, the file's absolute path one
        -- argument (LUASYNC_OP, LUASYNC_PATH, ... in its environment).
        command{ prefix = { "/usr/bin/logger", "-t", "luasync", "changed:" },
                 include = "\\.(html|css|js)$", timeout = 10, workers = 2 },
        -- Tell a listener about every change, a JSON object a line.
        socket{ address = "127.0.0.1:8009", format = "json" },
        -- Purge each changed URL from a Varnish in front of the mirror, once
        -- the mirror has the new file (after = "mirror"), so that the cache
        -- does not fetch the old one again.
        cdn{ provider = "purge", base = "http://127.0.0.1:6081/", after = "mirror",
             headers = { Host = "www.example.com" } },
    },
}

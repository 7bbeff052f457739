-- The quick start: mirror examples/demo/source into examples/demo/mirror,
-- locally, in pure Go (no rsync needed).
--
--   go run ./cmd/luasync run examples/quickstart.lua
--
-- then change files under examples/demo/source and watch the mirror follow.
-- Relative paths are resolved against this file's directory.

settings {
    logLevel = "info",
    failLog  = "demo/luasync.fail.log",
}

sync {
    default.direct,
    source  = "demo/source",
    target  = "demo/mirror",
    exclude = { "*.bak", "/tmp/" },
    delay   = 0.1,   -- settle time in seconds before a change ships
}

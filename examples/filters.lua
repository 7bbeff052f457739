-- Excludes, an lsyncd 2.2.3-style rule list and a Lua filter function, on the
-- demo tree. Check it with:  go run ./cmd/luasync check examples/filters.lua

settings {
    inotifyMode = "CloseWrite",
    maxProcesses = 2,
    failLog = "demo/luasync.fail.log",
}

-- Uploads: everything but partial uploads and anything a filter rejects.
sync {
    default.direct,
    name    = "uploads",
    source  = "demo/source/uploads",
    target  = "demo/mirror-uploads",
    exclude = { "*.part", "*.crdownload", "/incoming/" },
    filter  = function(event)
        -- Leave out files bigger than a naming convention says are drafts.
        if event.isdir then return true end
        return not event.basename:match("^draft%-")
    end,
}

-- The site: only web assets, by rule list (first match wins).
sync {
    default.direct,
    name   = "site",
    source = "demo/source/site",
    target = "demo/mirror-site",
    filter = { "+ */", "+ *.css", "+ *.js", "+ *.html", "- *" },
    delay  = 0.5,
}

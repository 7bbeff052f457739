-- Layer 1: one process per batch. Whatever changed while the last command
-- ran is handed over at once, as a NUL-separated list on standard input;
-- after each batch, a blanket event runs a follow-up (reloading a web
-- server, say) once everything before it has finished.
--   go run ./cmd/luasync run examples/actions-batch.lua
settings { failLog = "demo/actions-batch.fail.log" }

sync {
    name   = "manifest",
    source = "demo/source/site",
    target = "demo/",
    delay  = 0.5,
    init   = false,
    action = function(inlet)
        local event = inlet.getEvent()
        if event.etype == "Blanket" then
            -- everything before this blanket has run: the follow-up
            spawnShell(event, 'date -u +"%FT%TZ batch done" >> "$1"', event.target .. "manifest.log")
            return
        end
        local list = inlet.getEvents(function(e) return e.etype ~= "Blanket" end)
        local paths = list.getPaths(function(etype, path, path2)
            return etype .. " " .. path, path2 and ("  to " .. path2)
        end)
        spawn(list, "/bin/sh", "-c", 'tr "\\0" "\\n" >> "$1"', "sh", event.target .. "manifest.log",
            "<", table.concat(paths, "\0") .. "\0")
        inlet.createBlanketEvent()
    end,
}

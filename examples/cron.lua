-- Scheduled full syncs: the demo tree mirrored live, as in quickstart.lua,
-- plus full syncs on a schedule that put right whatever changed on the
-- mirror behind luasync's back. Check it with:
--
--   go run ./cmd/luasync check examples/cron.lua
--
-- docs/config.md, "Scheduled full syncs", has the details.

settings {
    failLog = "demo/luasync.fail.log",
}

sync {
    default.direct,
    name   = "demo",
    source = "demo/source",
    target = "demo/mirror",
    -- luasync: every 6 hours, leaving uploads/ alone (the scheduled run
    -- neither copies nor deletes anything there; live changes still ship).
    fullsync = { schedule = "@every 6h", exclude = { "/uploads/" } },
    -- lsyncd 2.3's form works too: six fields, seconds first.
    crontab = { "0 30 3 * * *" },   -- 03:30:00 every day
}

// Package luavm is the Lua side of luasync, and the only package that
// imports gopher-lua. Load evaluates a config file once into a
// *config.Config, which package config validates and package daemon runs.
// The returned VM keeps the Lua state with the functions the config defined
// (filter = function(event) ... end) and serves calls to them.
//
// # The config language
//
// A config is Lua in the shape lsyncd users know:
//
//	settings {
//		logfile = "/var/log/luasync.log", statusFile = "/run/luasync.status",
//		statusInterval = 10, nodaemon = true, inotifyMode = "CloseWrite",
//		maxProcesses = 2, maxDelays = 0, logLevel = "info",
//		failLog = "/var/lib/luasync/fail.log", shutdownGrace = 5,
//	}
//	sync {
//		default.direct,               -- or direct
//		source = "/srv/www", target = "/mnt/mirror/www", name = "www",
//		exclude = { "*.log", "/cache/" }, excludeFrom = "/etc/luasync/www.exclude",
//		filter = { "+ /public/***", "- *" },    -- or filter = function(event) return ... end
//		delay = 0.01, maxWait = 2, batchInterval = 0.12, init = true, delete = true,
//		workers = 2, batchFiles = 1000, batchBytes = 67108864,
//		junk = { ".*.swp" },                    -- false: no junk filter
//		retry = { attempts = 5, initial = 1, max = 60 },
//		filterFrom = "rules.txt", batchSizeLimit = 30 * 1024 * 1024, maxDelays = 100,
//		checkgauge = { ... },                   -- lsyncd's; read only for a sync's own Lua functions
//		crontab = { "0 0 3 * * *" },           -- lsyncd 2.3: full syncs, six fields, seconds first
//		fullsync = { schedule = "@every 6h", exclude = { "/cache/" } },  -- luasync: five or six fields, or @daily ...
//	}
//	sync {
//		default.rsync,                -- every key above, plus:
//		source = "/srv/www",
//		target = "backup::www",       -- or "rsync://user@host:port/module/path", "user@host:/path", "/local"
//		targets = { "web2::www", "/mnt/copy" },  -- luasync: more targets, each with its own queue and workers
//		rsync = {
//			archive = true, compress = true, checksum = false, whole_file = false, perms = true,
//			owner = true, group = true, times = true, links = true, hard_links = false, acls = false,
//			xattrs = false, sparse = false, inplace = false, update = false, bwlimit = 1000,
//			temp_dir = "/var/tmp", chmod = "D2775,F664", chown = "www:www", rsync_path = "rsync",
//			binary = "/usr/bin/rsync", password_file = "/etc/rsync.pass", port = 873, timeout = 30,
//			rsh = "ssh -p 2222", _extra = { "--info=stats1" },
//		},
//		delete = "startup",           -- or true, false, "running"
//		rsyncExitCodes = { [23] = "again", [5] = "die" }, sshExitCodes = { [255] = "again" },
//	}
//	sync {
//		default.rsyncssh, source = "/srv/www", host = "deploy@web1", targetdir = "/srv/www",
//		ssh = { port = 22, identityFile = "/root/.ssh/id_ed25519", binary = "/usr/bin/ssh",
//			options = { StrictHostKeyChecking = "yes" }, _extra = { "-4" },
//			multiplex = true }, -- luasync: one shared connection (ControlMaster)
//	}
//	local t = tunnel {              -- lsyncd 2.3: supervised processes (tunnel.go, docs/tunnel.md)
//		command = { "ssh", "-N", "-L", "localhost:^localport:localhost:873", "u@host" },
//		mode = "pool", parallel = 2, readyDelay = 5, retryDelay = 10, localhost = "localhost",
//		checkCommand = { ... }, checkExitCodes = { 0 }, checkMaxFailed = 5, name = "backup",
//	}
//	sync { default.rsync, target = "rsync://^localhost:^localport/mod", tunnel = t, ... }
//
// rsync = { ... } takes lsyncd's keys; config.RsyncConfig says how they
// become rsync's flags (archive is true unless set false; a false links,
// perms, times, group, owner or whole_file becomes --no-...). Relative
// local targets, password_file and identityFile resolve against the
// config's directory, like every path below.
//
// lsyncd 2.0's settings = { ... } and settings.key = value work too. Times
// are seconds (fractions allowed) or Go duration strings ("500ms"). Positional
// tables in sync{} are layers, as in lsyncd: their keys fill in what the sync
// does not set. An unknown key, a wrong type or a misspelt default.xyz is an
// error naming the file, line and key, with a "did you mean" when one is
// close. The file is parsed once, for compiling and for messages (source.go):
// a key is reported on its own line, even in a nested table or a layer
// defined elsewhere; a syntax error at the end of the file names what is
// still open (syntax.go); a call of a nil global or field names it
// (callname.go). Lua 5.2's table.pack, table.unpack, rawlen and load(string) are
// provided; lsyncd.log(level, ...) logs through slog; os.exit is refused.
//
// # Concurrency
//
// The state is owned by one goroutine, the one in VM.Run. Other goroutines
// (one watcher per sync) call VM.Filter, which sends a request to it and
// waits for the answer; each call runs under a timeout set with SetContext,
// so a runaway filter function is interrupted rather than stalling the sync.
// The event a filter function receives is described in event.go. What the
// function returns decides: false or nil (or no value at all) drops the
// event; anything else keeps it, including 0 and "", which Lua counts as
// true. An error or a timeout keeps the event and is reported to the caller.
package luavm

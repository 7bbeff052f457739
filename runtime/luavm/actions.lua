-- luasync's runtime for lsyncd-style actions (layers 1 to 3).
--
-- This chunk runs once per Lua state, before the config. It receives a table
-- of Go primitives and returns the table of entry points package luavm calls
-- (rt below). It defines, as globals, what lsyncd configs call: default's
-- action, collect, init and prepare, spawn, spawnShell, and the event, event
-- list and inlet objects those functions receive. Written for luasync from
-- lsyncd 2.3's manual and behaviour; see docs/config.md, "Actions".
--
-- The Go queue has already merged events and keeps two batches that share a
-- path from running at once, so the delays here need no blocking between
-- paths: only Init, Blanket and Full delays block (everything before them
-- must finish first, and everything after them waits for them).
local go = ...

local rt = {}

-- A delay is one piece of work: { etype, path, path2, status, sync, batch,
-- index }. status is 'wait', 'active' (a process runs for it) or 'done'.
-- batch and index say which Go batch and which of its events it answers.
local syncs = {}      -- by Go sync index
local procs = {}      -- agent id -> { sync, agent, delays }
local nextAgent = 0
local changes = 0     -- bumped on every status change, to see progress
local out             -- what the current call hands back to Go
-- Each sync keeps S.batches: Go batch id -> { left = n, outcome = { [index]
-- = ... }, why = { ... } }; ids are per sync.

local function reset()
	out = { spawns = {}, done = {} }
end
reset()

local blanketKinds = { Init = true, Blanket = true, Full = true }

local e2d = setmetatable({}, { __mode = 'k' })   -- event or list -> delay or delay list
local d2ev = setmetatable({}, { __mode = 'k' })  -- delay -> its event(s)

local function cutSlash(p)
	if p:byte(-1) == 47 then return p:sub(1, -2) end
	return p
end

local function dirOf(p)
	return p:match('^(.*/)[^/]+/?$') or ''
end

-- The path an event names: a move's origin or its destination.
local function pathOf(ev)
	local d = e2d[ev]
	if rawget(ev, '_to') then return d.path2 end
	return d.path
end

local eventFields = {
	config = function(ev) return e2d[ev].sync.config end,
	inlet = function(ev) return e2d[ev].sync.inlet end,
	etype = function(ev) return e2d[ev].etype end,
	status = function(ev) return e2d[ev].status end,
	isList = function() return false end,
	isdir = function(ev) return pathOf(ev):byte(-1) == 47 end,
	name = function(ev) return pathOf(ev):match('[^/]+/?$') end,
	basename = function(ev) return pathOf(ev):match('([^/]+)/?$') end,
	path = function(ev) return pathOf(ev) end,
	pathdir = function(ev) return dirOf(pathOf(ev)) end,
	pathname = function(ev) return cutSlash(pathOf(ev)) end,
	source = function(ev) return e2d[ev].sync.source end,
	sourcePath = function(ev) return e2d[ev].sync.source .. pathOf(ev) end,
	sourcePathdir = function(ev) return e2d[ev].sync.source .. dirOf(pathOf(ev)) end,
	sourcePathname = function(ev) return e2d[ev].sync.source .. cutSlash(pathOf(ev)) end,
	target = function(ev) return e2d[ev].sync.config.target end,
	targetPath = function(ev) return (e2d[ev].sync.config.target or '') .. pathOf(ev) end,
	targetPathdir = function(ev) return (e2d[ev].sync.config.target or '') .. dirOf(pathOf(ev)) end,
	targetPathname = function(ev) return (e2d[ev].sync.config.target or '') .. cutSlash(pathOf(ev)) end,
}

local eventMeta = {
	__index = function(ev, field)
		local f = eventFields[field]
		if f then return f(ev) end
		if field == 'move' then return nil end
		error('event does not have field "' .. tostring(field) .. '"', 2)
	end,
	__tostring = function(ev)
		return 'event ' .. e2d[ev].etype .. ' ' .. pathOf(ev)
	end,
}

-- toEvents wraps a delay for user code: a move is two events, its origin
-- (move = 'Fr') and its destination (move = 'To').
local function toEvents(d)
	local evs = d2ev[d]
	if not evs then
		if d.etype == 'Move' then
			evs = { setmetatable({ move = 'Fr' }, eventMeta), setmetatable({ move = 'To', _to = true }, eventMeta) }
		else
			evs = { setmetatable({}, eventMeta) }
		end
		for _, ev in ipairs(evs) do e2d[ev] = d end
		d2ev[d] = evs
	end
	return evs[1], evs[2]
end

local listFuncs = {
	getPaths = function(list, mutator)
		local paths = {}
		for _, d in ipairs(e2d[list]) do
			local a, b = d.path, d.path2
			if mutator then a, b = mutator(d.etype, d.path, d.path2) end
			paths[#paths + 1] = a
			if b then paths[#paths + 1] = b end
		end
		return paths
	end,
	getSourcePaths = function(list, mutator)
		local source = e2d[list].sync.source
		return listFuncs.getPaths(list, function(etype, a, b)
			if mutator then a, b = mutator(etype, a, b) end
			return a and source .. a, b and source .. b
		end)
	end,
	size = function(list) return #e2d[list] end,
	getList = function(list)
		local evs = {}
		for _, d in ipairs(e2d[list]) do
			local a, b = toEvents(d)
			evs[#evs + 1] = a
			if b then evs[#evs + 1] = b end
		end
		return evs
	end,
}

local listMeta = {
	__index = function(list, field)
		if field == 'isList' then return true end
		if field == 'config' then return e2d[list].sync.config end
		if field == 'inlet' then return e2d[list].sync.inlet end
		local f = listFuncs[field]
		if not f then error('event list does not have function "' .. tostring(field) .. '"', 2) end
		return function(...) return f(list, ...) end
	end,
}

local function toList(sync, delays)
	local list = setmetatable({}, listMeta)
	delays.sync = sync
	e2d[list] = delays
	return list
end

-- finish ends a delay with an outcome: 'ok', 'retry' or 'die'.
local function finish(d, outcome, why)
	if d.status == 'done' then return end
	d.status = 'done'
	changes = changes + 1
	if blanketKinds[d.etype] then d.sync.blanketDirty = true end
	local b = d.batch and d.sync.batches[d.batch]
	if not b then
		if outcome ~= 'ok' then go.warn(d.sync.index, d.etype .. ' ' .. d.path .. ': ' .. (why or outcome)) end
		return
	end
	local rank = { ok = 0, retry = 1, fail = 2, die = 3 }
	if d.index then
		local prev = b.outcome[d.index]
		if not prev or rank[outcome] > rank[prev] then b.outcome[d.index] = outcome end
		if why and outcome ~= 'ok' then b.why[d.index] = why end
	end
	b.left = b.left - 1
	if b.left == 0 then
		d.sync.batches[d.batch] = nil
		out.done[#out.done + 1] = { batch = d.batch, outcome = b.outcome, why = b.why }
	end
end

-- S.delays holds a sync's delays in order; S.head is the first one not
-- done, S.waitPos is at or before the first waiting one (a delay never goes
-- back to waiting, so it only moves on), and S.blanketAt is the position of
-- the first unfinished Init, Blanket or Full delay, or nil. Finding the next
-- delay is then O(1) amortised, however many processes are running.
local function advance(S)
	local delays = S.delays
	while S.head <= #delays and delays[S.head].status == 'done' do S.head = S.head + 1 end
	if S.head > 256 and S.head > #delays / 2 then
		local keep = {}
		for i = S.head, #delays do keep[#keep + 1] = delays[i] end
		S.waitPos = math.max(S.waitPos - S.head + 1, 1)
		if S.blanketAt then S.blanketAt = S.blanketAt - S.head + 1 end
		S.delays, S.head = keep, 1
	end
end

local function findBlanket(S)
	S.blanketAt = nil
	for i = S.head, #S.delays do
		local d = S.delays[i]
		if blanketKinds[d.etype] and d.status ~= 'done' then
			S.blanketAt = i
			return
		end
	end
end

local function newDelay(S, etype, path, path2, batch, index)
	local b = batch and S.batches[batch]
	if b then
		b.left = b.left + 1
	else
		batch = nil -- made by an alarm, or after its batch was settled: nobody waits for it
	end
	local d = { etype = etype, path = path, path2 = path2, status = 'wait', sync = S, batch = batch, index = index }
	S.delays[#S.delays + 1] = d
	if blanketKinds[etype] and not S.blanketAt then S.blanketAt = #S.delays end
	changes = changes + 1
	return d
end

-- firstWaiting is the position of the first waiting delay, or nil.
local function firstWaiting(S)
	advance(S)
	if S.blanketDirty then
		S.blanketDirty = false
		findBlanket(S)
	end
	local delays = S.delays
	local i = math.max(S.waitPos, S.head)
	while i <= #delays and delays[i].status ~= 'wait' do i = i + 1 end
	S.waitPos = i
	if i > #delays then return nil end
	return i
end

-- nextDelay is the first delay that may be handed out: waiting, and not
-- behind an unfinished Init, Blanket or Full delay (nor, for one of those,
-- behind anything unfinished).
local function nextDelay(S)
	local i = firstWaiting(S)
	if not i then return nil end
	if S.blanketAt and S.blanketAt < i then return nil end
	local d = S.delays[i]
	if blanketKinds[d.etype] and i ~= S.head then return nil end
	return d
end

local function waitingDelays(S, test)
	local list = {}
	local first = nextDelay(S)
	if not first then return list end
	if blanketKinds[first.etype] then
		list[1] = first
		return list
	end
	local delays = S.delays
	for i = S.waitPos, S.blanketAt and S.blanketAt - 1 or #delays do
		local d = delays[i]
		if d.status == 'wait' then
			local take = true
			if test then take = test((toEvents(d))) end
			if take == 'break' then break end
			if take then list[#list + 1] = d end
		end
	end
	return list
end

local inletFuncs = {
	getEvent = function(S)
		local d = nextDelay(S)
		if not d then return nil end
		S.current = d.batch
		return toEvents(d)
	end,
	getEvents = function(S, test)
		local delays = waitingDelays(S, test)
		if delays[1] then S.current = delays[1].batch end
		return toList(S, delays)
	end,
	discardEvent = function(S, ev)
		local d = e2d[ev]
		if d == nil then error('discardEvent: not an event', 3) end
		local delays = d.etype and { d } or d
		for _, x in ipairs(delays) do
			if x.status ~= 'wait' then
				go.warn(S.index, 'discardEvent on a ' .. x.status .. ' event ' .. x.etype .. ' ' .. x.path .. ' ignored')
			else
				finish(x, 'ok')
			end
		end
	end,
	getConfig = function(S) return S.config end,
	getSync = function(S) return S.config end,
	createBlanketEvent = function(S)
		return toEvents(newDelay(S, 'Blanket', '', nil, S.current))
	end,
	createFullEvent = function(S, path)
		return toEvents(newDelay(S, 'Full', path or '', nil, S.current))
	end,
	addExclude = function(S, pattern) go.exclude(S.index, 'add', pattern) end,
	rmExclude = function(S, pattern) go.exclude(S.index, 'rm', pattern) end,
	getExcludes = function(S) return go.excludes(S.index) end,
	getFilters = function(S) return go.excludes(S.index, true) end,
	hasFilters = function(S) return S.config.filter ~= nil or S.config.filterFrom ~= nil end,
	getSubstitutionData = function(S, ev, data) return data end,
}

local inletMeta = {
	__index = function(inlet, name)
		local f = inletFuncs[name]
		if not f then error('inlet does not have function "' .. tostring(name) .. '"', 2) end
		return function(...)
			local S = syncs[rawget(inlet, '_index')]
			if not S then error('inlet.' .. name .. ': the sync runs once the config has loaded', 2) end
			return f(S, ...)
		end
	end,
}
local inlets = {}

-- inlet is what sync{} returns for an action sync, as in lsyncd.
function rt.inlet(index)
	if not inlets[index] then inlets[index] = setmetatable({ _index = index }, inletMeta) end
	return inlets[index]
end

-- record marks an agent's delays active and hands Go the process to start.
local function record(agent, argv, stdin, timeout, level, mirror)
	local delays = e2d[agent]
	if delays == nil then error('spawn: the first argument must be an event or an event list', level + 1) end
	if delays.etype then delays = { delays } end
	local S
	for _, d in ipairs(delays) do
		if d.status ~= 'wait' then error('spawn: the event ' .. d.etype .. ' ' .. d.path .. ' is not waiting (' .. d.status .. ')', level + 1) end
		S = d.sync
	end
	if not S then
		return nil -- an empty list: nothing to run for
	end
	for _, d in ipairs(delays) do
		d.status = 'active'
	end
	changes = changes + 1
	nextAgent = nextAgent + 1
	procs[nextAgent] = { sync = S, agent = agent, delays = delays }
	S.processes = S.processes + 1
	local sp = { agent = nextAgent, sync = S.index, argv = argv, stdin = stdin, timeout = timeout }
	if mirror then
		-- The sync's own mirror applies these events (see mirrorAction).
		sp.mirror = {}
		for i, d in ipairs(delays) do
			sp.mirror[i] = { batch = d.batch or 0, index = d.index or 0 }
		end
	end
	out.spawns[#out.spawns + 1] = sp
	return nextAgent
end

-- spawn(agent, binary, args...) runs binary with args (never a shell) for
-- an event or an event list; '<' followed by a string is the process's
-- standard input; a table argument is spliced in.
function spawn(agent, binary, ...)
	local argv, stdin = { tostring(binary) }, nil
	local args = { ... }
	local i, n = 1, select('#', ...)
	while i <= n do
		local a = args[i]
		if a == '<' then
			i = i + 1
			stdin = args[i]
			if type(stdin) ~= 'string' then error('spawn: "<" must be followed by a string', 2) end
		elseif type(a) == 'table' then
			for _, x in ipairs(a) do argv[#argv + 1] = tostring(x) end
		elseif a ~= nil then
			argv[#argv + 1] = tostring(a)
		end
		i = i + 1
	end
	return record(agent, argv, stdin, nil, 2)
end

-- spawnShell(agent, command, args...) runs command with /bin/sh -c; args
-- are $1, $2, ... in it, so they are never parsed by the shell.
function spawnShell(agent, command, ...)
	return spawn(agent, '/bin/sh', '-c', command, '/bin/sh', ...)
end

-- lsyncd adds these two to the string library; its manual's examples use them.
function string.starts(s, prefix) return s:sub(1, #prefix) == prefix end
function string.ends(s, suffix) return suffix == '' or s:sub(-#suffix) == suffix end

-- luasync's own helpers, in the same style.
luasync = {}

-- luasync.exec{ agent, binary, args..., timeout = seconds, stdin = string }
-- is spawn with named options: a process still running after timeout is
-- sent SIGTERM (then SIGKILL after 5 s) and collected with 128+15.
function luasync.exec(t)
	if type(t) ~= 'table' or t[2] == nil then
		error('luasync.exec takes a table: { event, "/path/to/binary", args..., timeout = 30 }', 2)
	end
	local argv = {}
	for i = 2, #t do
		if type(t[i]) == 'table' then
			for _, x in ipairs(t[i]) do argv[#argv + 1] = tostring(x) end
		else
			argv[#argv + 1] = tostring(t[i])
		end
	end
	if t.timeout ~= nil and (type(t.timeout) ~= 'number' or t.timeout <= 0) then
		error('luasync.exec: timeout must be a number of seconds > 0', 2)
	end
	if t.stdin ~= nil and type(t.stdin) ~= 'string' then error('luasync.exec: stdin must be a string', 2) end
	return record(t[1], argv, t.stdin, t.timeout, 2)
end

-- luasync.log(level, ...) logs at "debug", "info", "warn" or "error".
function luasync.log(level, ...)
	local map = { debug = 'Debug', info = 'Normal', warn = 'Warn', error = 'Error' }
	log(map[level] or level, ...)
end

default = go.default

function default.action(inlet)
	local ev, ev2 = inlet.getEvent()
	if not ev then return end
	local config = inlet.getConfig()
	local fn = config['on' .. ev.etype]
	if type(fn) == 'function' then fn(ev, ev2) end
	if ev.status == 'wait' then inlet.discardEvent(ev) end
end

function default.init(ev)
	local config = ev.config
	if type(config.onStartup) == 'function' then config.onStartup(ev) end
	if ev.status == 'wait' then ev.inlet.discardEvent(ev) end
end

function default.collect(agent, exitcode)
	local config = agent.config
	local rc
	if config.exitcodes then
		rc = config.exitcodes[exitcode]
	elseif exitcode == 0 then
		rc = 'ok'
	else
		rc = 'die'
	end
	local what
	if agent.isList then
		what = 'a list of ' .. agent.size() .. ' events'
	else
		what = agent.etype .. ' ' .. (agent.sourcePath or '')
	end
	if rc == 'ok' then
		-- lsyncd logs this as Normal; per event it floods the log, and
		-- luasync's pool already logs every batch at info.
		log('Debug', 'Finished ', what, ' = ', exitcode)
	elseif rc == 'again' then
		log('Normal', 'Retrying ', what, ' = ', exitcode)
	elseif rc == 'die' then
		log('Error', 'Failure with ', what, ' = ', exitcode)
	else
		log('Error', 'Unknown exitcode "', exitcode, '" with ', what)
		rc = 'die'
	end
	return rc
end

-- default.prepare checks a config's keys against its checkgauge, as
-- lsyncd's does; luasync has already checked the keys it knows.
function default.prepare(config, level)
end

-- A mirror sync (default.rsync, default.rsyncssh, default.direct) with a
-- layer 1 function of its own hands events back to its mirror with these,
-- as lsyncd's configs call default.rsync.action(inlet): the mirror applies
-- them (in Go) and collect is then called with exit code 0, or 23 when some
-- of them did not apply (those are retried or failed one by one).
local function mirrorAction(inlet)
	local list = inlet.getEvents(function(e) return e.etype ~= 'Blanket' end)
	if list.size() == 0 then return end
	return record(list, nil, nil, nil, 2, true)
end

local function mirrorOne(event)
	return record(event, nil, nil, nil, 2, true)
end

for _, kind in ipairs({ 'rsync', 'rsyncssh', 'direct' }) do
	local layer = rawget(default, kind)
	if layer then
		layer.action, layer.init, layer.full = mirrorAction, mirrorOne, mirrorOne
		layer.collect = function(agent, exitcode) return default.collect(agent, exitcode) end
		layer.prepare = function() end
	end
end

default.maxProcesses = 1
default.maxDelays = 1000
-- What rsync's and ssh's exit statuses mean (rsync(1), EXIT VALUES): 23
-- and 24 (partial transfer, vanished files) are fine here, as the watcher
-- reports whatever caused them.
default.rsyncExitCodes = {
	[0] = 'ok', [1] = 'die', [2] = 'die', [3] = 'again', [4] = 'die', [5] = 'again', [6] = 'again',
	[10] = 'again', [11] = 'again', [12] = 'again', [14] = 'again', [20] = 'again', [21] = 'again',
	[22] = 'again', [23] = 'ok', [24] = 'ok', [25] = 'die', [30] = 'again', [35] = 'again', [255] = 'again',
}
default.sshExitCodes = { [0] = 'ok', [255] = 'again' }
default.checkgauge = {}
default.statusInterval = 10

function rt.addSync(index, config, source)
	local S = { index = index, config = config, source = source, delays = {}, head = 1, waitPos = 1, processes = 0, batches = {} }
	S.inlet = rt.inlet(index)
	S.maxProcesses = tonumber(config.maxProcesses) or 1
	if S.maxProcesses < 1 then S.maxProcesses = 1 end
	syncs[index] = S
	return S.inlet
end

-- deliver queues a Go batch: events is a list of { etype, path, path2 } with
-- lsyncd's path spelling (relative, a trailing '/' for a directory).
function rt.deliver(index, batch, events)
	local S = syncs[index]
	if S.dead or #events == 0 then
		local b = { batch = batch, outcome = {}, why = {} }
		for i = 1, #events do
			b.outcome[i], b.why[i] = 'die', 'the sync has stopped'
		end
		out.done[#out.done + 1] = b
		return
	end
	S.batches[batch] = { left = 0, outcome = {}, why = {} }
	for i, e in ipairs(events) do
		if e.etype == 'Move' and not S.config.onMove then
			newDelay(S, 'Delete', e.path, nil, batch, i)
			newDelay(S, 'Create', e.path2, nil, batch, i)
		else
			newDelay(S, e.etype, e.path, e.path2, batch, i)
		end
	end
end

-- invokeOne hands one waiting delay to the sync's action (or init, or full)
-- and says whether there may be more to do.
function rt.invokeOne(index)
	local S = syncs[index]
	if S.dead or S.processes >= S.maxProcesses then return false end
	local d = nextDelay(S)
	if not d then
		return false
	end
	S.current = d.batch
	S.trying = d
	local before = changes
	if d.etype == 'Init' then
		S.config.init((toEvents(d)))
	elseif d.etype == 'Full' and type(S.config.full) == 'function' then
		S.config.full((toEvents(d)))
	else
		S.config.action(S.inlet)
	end
	S.trying, S.current = nil, nil
	if changes == before and d.status == 'wait' then
		finish(d, 'retry', 'the action neither spawned a process for this event nor discarded it')
	end
	return true
end

-- abort ends the delay an action call was working on when it failed.
function rt.abort(index, why)
	local S = syncs[index]
	local d = S.trying
	S.trying, S.current = nil, nil
	if d and d.status == 'wait' then finish(d, 'retry', why) end
end

-- collect reports a finished process to the sync's collect function.
function rt.collect(agentID, exitcode, outcomes)
	local p = procs[agentID]
	procs[agentID] = nil
	local S = p.sync
	S.processes = S.processes - 1
	S.current = p.delays[1] and p.delays[1].batch
	local ok, rc = pcall(S.config.collect, p.agent, exitcode)
	S.current = nil
	if not ok then
		go.warn(S.index, 'collect failed: ' .. tostring(rc))
		rc = 'again'
	end
	local outcome = 'ok'
	if rc == 'again' then outcome = 'retry' elseif rc == 'die' then outcome = 'die' end
	for i, d in ipairs(p.delays) do
		-- A mirror reports each event's outcome; collect may only make it worse.
		local o, why = outcome, 'exit code ' .. tostring(exitcode)
		if outcomes and outcomes[i] and outcome == 'ok' then o, why = outcomes[i], outcomes.why and outcomes.why[i] end
		finish(d, o, why)
	end
	if outcome == 'die' then
		S.dead = true
		for _, d in ipairs(S.delays) do
			if d.status == 'wait' then finish(d, 'die', 'the sync has stopped') end
		end
	end
	return outcome
end

-- stop ends every waiting delay of a sync (it is shutting down or dead).
function rt.stop(index, outcome, why)
	local S = syncs[index]
	for _, d in ipairs(S.delays) do
		if d.status == 'wait' then finish(d, outcome, why) end
	end
	advance(S)
end

function rt.take()
	local o = out
	reset()
	return o
end

return rt

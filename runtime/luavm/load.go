package luavm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/rsync"
)

// loadTimeout bounds the evaluation of a config file, so a config stuck in
// an endless loop fails `luasync check` instead of hanging it. Tests shrink
// it.
var loadTimeout = 30 * time.Second

// Load evaluates the config file at path once and returns the VM that keeps
// its Lua functions, and the config with defaults applied. The config is not
// validated: call Validate on it.
//
// Relative paths in the config (source, a direct target, excludeFrom,
// logfile, statusFile, failLog) resolve against the directory of the config
// file, not the working directory. lsyncd configs use absolute paths, which
// mean the same either way; resolving relative ones this way lets an example
// config with source = "www" work wherever it is checked out.
//
// Every error about the config's content is a *config.Error naming the file
// and line.
func Load(path string) (*VM, *config.Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return LoadString(path, string(src))
}

// LoadString is Load for a config held in memory (tests, the built-in
// quick-start config). name is used in messages, and its directory (against
// the working directory, if relative) resolves relative paths.
func LoadString(name, src string) (*VM, *config.Config, error) {
	base, err := filepath.Abs(filepath.Dir(name))
	if err != nil {
		return nil, nil, fmt.Errorf("load config %s: %w", name, err)
	}
	ld := &loader{file: name, base: base, settings: config.Defaults(), excludes: newDynExcludes(), alarms: &alarmList{},
		built: map[*lua.LTable]int{}}
	L := lua.NewState()
	vm, cfg, err := ld.run(L, src)
	if err != nil {
		L.Close()
		return nil, nil, err
	}
	return vm, cfg, nil
}

// loader is the state of one evaluation, used only while it runs.
type loader struct {
	file     string // as given, for messages
	base     string // absolute directory relative paths resolve against
	settings config.Settings
	hasPos   bool // settings.Pos is set
	decls    []*syncDecl
	tunnels  []*config.Tunnel       // every tunnel{}, in order
	layers   map[*lua.LTable]string // the built-in layer tables and their kinds
	done     bool                   // the file has run; sync{} and settings{} are closed
	rt       *lua.LTable            // actions.lua's entry points
	excludes *dynExcludes           // what actions add with inlet.addExclude
	alarms   *alarmList             // what alarm() set
	vm       *VM                    // once built, for terminate()
	// src is the file's parse, and built maps each table the file built
	// while loading to its constructor in src (see source), so errors
	// name the line of the key at fault. keyPos is, per decl, where
	// each of its keys was set.
	src    *source
	built  map[*lua.LTable]int
	keyPos []map[string]config.Pos
}

// checkLoading rejects sync{} and settings{} once the file has run (from a
// filter function, say), where they could no longer take effect.
func (ld *loader) checkLoading(L *lua.LState, table string) {
	if ld.done {
		raise(L, &config.Error{Pos: callerPos(L, ld.file), Table: table, Msg: "may only be used while the config loads, not from a function called later"})
	}
}

func (ld *loader) run(L *lua.LState, src string) (*VM, *config.Config, error) {
	ld.install(L)
	fn, err := ld.compile(L, src)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	L.SetContext(ctx)
	L.Push(fn)
	err = L.PCall(0, 0, nil)
	L.RemoveContext()
	if err != nil {
		return nil, nil, ld.runError(L, ctx, err)
	}
	ld.done = true
	ld.built = nil
	cfg := ld.config()
	if err := ld.bindActions(L, cfg); err != nil {
		return nil, nil, err
	}
	ld.vm = newVM(L, cfg, ld.decls, ld.rt, ld.excludes, ld.alarms)
	return ld.vm, cfg, nil
}

// compile parses the file once, indexes it for error messages and marks
// its table constructors (see source), and compiles it.
func (ld *loader) compile(L *lua.LState, src string) (*lua.LFunction, error) {
	chunk, err := parse.Parse(strings.NewReader(src), ld.file)
	if err != nil {
		return nil, compileError(err, ld.file, src)
	}
	var stmts []ast.Stmt
	ld.src, stmts = scanSource(chunk)
	proto, err := lua.Compile(stmts, ld.file)
	if err != nil {
		return nil, compileError(err, ld.file, src)
	}
	L.SetGlobal(markerName, L.NewFunction(ld.markTable))
	return L.NewFunctionFromProto(proto), nil
}

// runError reports a failed evaluation; running out of time gets a message
// of its own, at the line where the config was stopped, and a call of
// what is not a function, or an index of a global that is nil, names it
// (nameCall, nameIndex).
func (ld *loader) runError(L *lua.LState, ctx context.Context, err error) error {
	e, ok := loadError(err, ld.file).(*config.Error)
	if !ok {
		return err
	}
	if ctx.Err() != nil {
		e.Msg = fmt.Sprintf("the config did not finish within %v (an endless loop?)", loadTimeout)
	}
	ld.nameCall(L, e)
	ld.nameIndex(L, e)
	return e
}

// config builds the result once the whole file has run, so settings{} may
// come after the sync{} calls whose defaults it changes.
func (ld *loader) config() *config.Config {
	cfg := &config.Config{File: ld.file, Settings: ld.settings, Tunnels: ld.tunnels}
	for i, d := range ld.decls {
		s := config.Sync{Index: i, Pos: d.pos, Kind: d.kind, KeyPos: ld.keyPos[i]}
		s.ApplyDefaults(cfg.Settings)
		for _, apply := range d.apply {
			apply(&s)
		}
		s.Actions = d.kind == "action" || d.hybrid
		if d.kind == "action" && !d.keys["maxProcesses"] && !d.keys["workers"] {
			s.Workers = 1 // lsyncd's default.maxProcesses: one action process at a time
		}
		if !d.keys["maxWait"] && s.MaxWait < s.Delay {
			// delay = 15 alone means "wait 15 s", not "15 s, but at most 2".
			s.MaxWait = s.Delay
		}
		s.Source = ld.resolve(s.Source)
		s.ExcludeFrom = ld.resolve(s.ExcludeFrom)
		s.FilterFrom = ld.resolve(s.FilterFrom)
		ld.resolveTargets(&s)
		cfg.Syncs = append(cfg.Syncs, s)
	}
	return cfg
}

// resolveTargets resolves the local paths of a sync's targets and the
// files its rsync and ssh tables name; remote targets stay as written. A
// binary is resolved only when it is a path: a bare name is for PATH.
func (ld *loader) resolveTargets(s *config.Sync) {
	switch s.Kind {
	case "direct":
		s.Target = ld.resolve(s.Target)
		return
	case "action":
		// A local target is resolved like every path; one that names a
		// host (host:/path, rsync://...) is the action's business.
		if s.Target != "" && !strings.Contains(s.Target, ":") {
			slash := strings.HasSuffix(s.Target, "/")
			s.Target = ld.resolve(s.Target)
			if slash && s.Target != "/" {
				s.Target += "/"
			}
		}
		return
	case "rsync":
		if rsync.IsLocal(s.Target) {
			s.Target = ld.resolve(s.Target)
		}
		for i, t := range s.Targets {
			if rsync.IsLocal(t) {
				s.Targets[i] = ld.resolve(t)
			}
		}
	}
	s.Rsync.PasswordFile = ld.resolve(s.Rsync.PasswordFile)
	s.SSH.IdentityFile = ld.resolve(s.SSH.IdentityFile)
	for _, bin := range []*string{&s.Rsync.Binary, &s.SSH.Binary} {
		if strings.Contains(*bin, "/") {
			*bin = ld.resolve(*bin)
		}
	}
}

// resolve makes a config path absolute and clean; "" stays "".
func (ld *loader) resolve(p string) string {
	if p == "" {
		return ""
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(ld.base, p)
	}
	return filepath.Clean(p)
}

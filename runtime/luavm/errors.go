package luavm

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luasync/luasync/runtime/config"
)

// raise aborts the running Lua code with e. It travels as userdata, so Load
// gets the *config.Error back intact instead of a reformatted string; its
// __tostring keeps it readable for a config that pcall()s and prints it.
func raise(L *lua.LState, e *config.Error) {
	ud := L.NewUserData()
	ud.Value = e
	mt := L.NewTable()
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(e.Error()))
		return 1
	}))
	ud.Metatable = mt
	L.Error(ud, 0)
}

// callerPos is the file and line of the Lua code that called the running Go
// function, such as the line of a sync{} call. Go frames in between (as in
// pcall(sync, {...})) are skipped.
func callerPos(L *lua.LState, fallback string) config.Pos {
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return config.Pos{File: fallback}
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What != "G" && dbg.CurrentLine > 0 {
			return config.Pos{File: dbg.Source, Line: dbg.CurrentLine}
		}
	}
}

// loadError turns the error of a running chunk into a *config.Error that
// reads "FILE:LINE: message".
func loadError(err error, file string) error {
	var ae *lua.ApiError
	if !errors.As(err, &ae) {
		return err
	}
	if ud, ok := ae.Object.(*lua.LUserData); ok {
		if ce, ok := ud.Value.(*config.Error); ok {
			return ce
		}
	}
	return runtimeError(luaMessage(ae), file)
}

// compileError turns what parsing or compiling a chunk returns into a
// *config.Error at its line.
func compileError(err error, file, src string) error {
	var pe *parse.Error
	if errors.As(err, &pe) {
		return syntaxError(pe, src)
	}
	var ce *lua.CompileError
	if errors.As(err, &ce) {
		return &config.Error{Pos: config.Pos{File: file, Line: ce.Line}, Msg: ce.Message}
	}
	return fmt.Errorf("load config %s: %w", file, err)
}

// luaMessage is the error value of a Lua error without gopher-lua's stack
// traceback.
func luaMessage(ae *lua.ApiError) string {
	switch o := ae.Object.(type) {
	case nil:
		return ae.Error()
	case *lua.LUserData:
		if ce, ok := o.Value.(*config.Error); ok {
			return ce.Error()
		}
	}
	return ae.Object.String()
}

var wherePrefix = regexp.MustCompile(`^(.+?):(\d+): (?s:(.*))$`)

// runtimeError splits gopher-lua's "FILE:LINE: message" into a Pos and the
// message. The config's own file name is matched literally first, since a
// path may itself contain ':'.
func runtimeError(msg, file string) *config.Error {
	if rest, ok := strings.CutPrefix(msg, file+":"); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if line, err := strconv.Atoi(rest[:i]); err == nil {
				return &config.Error{Pos: config.Pos{File: file, Line: line}, Msg: rest[i+2:]}
			}
		}
	}
	if m := wherePrefix.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[2])
		return &config.Error{Pos: config.Pos{File: m[1], Line: line}, Msg: m[3]}
	}
	return &config.Error{Pos: config.Pos{File: file}, Msg: msg}
}

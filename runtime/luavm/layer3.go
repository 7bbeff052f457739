package luavm

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// lsyncd's layer 3: onCreate = "/bin/cp ^sourcePath ^targetPath" and the
// like become functions of (event, event2). A command that starts with "/"
// runs that binary directly, its arguments split at spaces outside double
// quotes (the quotes are removed); each ^variable is replaced inside its
// argument, so a name with spaces stays one argument and no shell sees it.
// Any other command runs with /bin/sh -c, every ^variable replaced by a
// quoted positional parameter ("$1", "$2", ...) whose value is passed
// beside the script, so the shell never parses a file name. A leading "^"
// that does not start a variable forces the shell.

// layer3Fields are the event fields a command may name, longest first
// where one is a prefix of another.
var layer3Fields = []string{
	"pathname", "pathdir", "path",
	"sourcePathname", "sourcePathdir", "sourcePath", "source",
	"targetPathname", "targetPathdir", "targetPath", "target",
}

// l3var is one ^variable: which event (1, or 2 for ^d.) and which field.
type l3var struct {
	second bool
	field  string
}

// l3piece is literal text or a variable.
type l3piece struct {
	text string
	v    *l3var
}

// varAt reads the variable at s[i] == '^', if there is one, and its length.
func varAt(s string, i int) (*l3var, int) {
	rest := s[i+1:]
	second, prefix := false, 0
	switch {
	case strings.HasPrefix(rest, "o."):
		prefix = 2
	case strings.HasPrefix(rest, "d."):
		second, prefix = true, 2
	}
	for _, f := range layer3Fields {
		if strings.HasPrefix(rest[prefix:], f) {
			if prefix > 0 && (f == "source" || f == "target") {
				continue // ^o.source is not a variable, as in lsyncd
			}
			return &l3var{second: second, field: f}, 1 + prefix + len(f)
		}
	}
	return nil, 0
}

// pieces splits s into text and variables.
func pieces(s string) []l3piece {
	var out []l3piece
	var text strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '^' {
			if v, n := varAt(s, i); v != nil {
				if text.Len() > 0 {
					out = append(out, l3piece{text: text.String()})
					text.Reset()
				}
				out = append(out, l3piece{v: v})
				i += n
				continue
			}
		}
		text.WriteByte(s[i])
		i++
	}
	if text.Len() > 0 || len(out) == 0 {
		out = append(out, l3piece{text: text.String()})
	}
	return out
}

// splitArgs splits a binary command at spaces outside double quotes.
func splitArgs(s string) []string {
	var args []string
	var cur strings.Builder
	quoted, have := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted, have = !quoted, true
		case (c == ' ' || c == '\t' || c == '\n') && !quoted:
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}

// translateLayer3 makes the function a layer-3 command string stands for.
func translateLayer3(L *lua.LState, command string) *lua.LFunction {
	cmd := strings.TrimSpace(command)
	shell := !strings.HasPrefix(cmd, "/")
	if strings.HasPrefix(cmd, "^") {
		if v, _ := varAt(cmd, 0); v == nil {
			cmd = cmd[1:]
		}
	}
	if !shell {
		var args [][]l3piece
		for _, a := range splitArgs(cmd) {
			args = append(args, pieces(a))
		}
		return L.NewFunction(func(L *lua.LState) int {
			ev1, ev2 := L.Get(1), L.Get(2)
			call := []lua.LValue{ev1}
			for _, a := range args {
				var b strings.Builder
				for _, p := range a {
					if p.v == nil {
						b.WriteString(p.text)
					} else {
						b.WriteString(fieldOf(L, ev1, ev2, p.v))
					}
				}
				call = append(call, lua.LString(b.String()))
			}
			L.CallByParam(lua.P{Fn: L.GetGlobal("spawn")}, call...)
			return 0
		})
	}
	var script strings.Builder
	var vars []l3var
	numbers := map[l3var]int{}
	for _, p := range pieces(cmd) {
		if p.v == nil {
			script.WriteString(p.text)
			continue
		}
		n, ok := numbers[*p.v]
		if !ok {
			vars = append(vars, *p.v)
			n = len(vars)
			numbers[*p.v] = n
		}
		script.WriteString(`"$` + strconv.Itoa(n) + `"`)
	}
	text := script.String()
	return L.NewFunction(func(L *lua.LState) int {
		ev1, ev2 := L.Get(1), L.Get(2)
		call := []lua.LValue{ev1, lua.LString(text)}
		for i := range vars {
			call = append(call, lua.LString(fieldOf(L, ev1, ev2, &vars[i])))
		}
		L.CallByParam(lua.P{Fn: L.GetGlobal("spawnShell")}, call...)
		return 0
	})
}

// fieldOf reads a variable's field from the event it names; a ^d.
// variable on an event that is not a move is an error.
func fieldOf(L *lua.LState, ev1, ev2 lua.LValue, v *l3var) string {
	ev := ev1
	if v.second {
		if ev2 == lua.LNil {
			L.RaiseError("^d.%s needs a move event (onMove)", v.field)
		}
		ev = ev2
	}
	return lua.LVAsString(L.GetField(ev, v.field))
}

package luavm

import (
	"fmt"
	"math"
	"sort"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// These convert one config value to Go, or say in the config author's terms
// what was expected. The caller adds file, line and key.

func describe(v lua.LValue) string {
	switch v.Type() {
	case lua.LTString:
		return fmt.Sprintf("the string %q", lua.LVAsString(v))
	case lua.LTNumber, lua.LTBool:
		return fmt.Sprintf("%s %v", v.Type(), v)
	case lua.LTNil:
		return "nil"
	}
	return "a " + v.Type().String()
}

func wantError(want string, v lua.LValue) error {
	return fmt.Errorf("want %s, got %s", want, describe(v))
}

func toString(v lua.LValue) (string, error) {
	if s, ok := v.(lua.LString); ok {
		return string(s), nil
	}
	return "", wantError("a string", v)
}

func toBool(v lua.LValue) (bool, error) {
	if b, ok := v.(lua.LBool); ok {
		return bool(b), nil
	}
	return false, wantError("true or false", v)
}

// toDuration accepts seconds as a number, as lsyncd does (delay = 0.5), or a
// Go duration string ("500ms", "2m").
func toDuration(v lua.LValue) (time.Duration, error) {
	const want = `seconds (a number such as 1.5) or a duration such as "500ms"`
	switch x := v.(type) {
	case lua.LNumber:
		f := float64(x) * float64(time.Second)
		if math.IsNaN(f) || math.Abs(f) > math.MaxInt64 {
			return 0, wantError(want, v)
		}
		return time.Duration(f), nil
	case lua.LString:
		d, err := time.ParseDuration(string(x))
		if err != nil {
			return 0, wantError(want, v)
		}
		return d, nil
	}
	return 0, wantError(want, v)
}

func toInt(v lua.LValue) (int, error) {
	n, ok := v.(lua.LNumber)
	if !ok {
		return 0, wantError("a whole number", v)
	}
	f := float64(n)
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, wantError("a whole number", v)
	}
	return int(f), nil
}

// toStringList accepts a list of strings, or a single string as a list of
// one (lsyncd allows exclude = "*.tmp").
func toStringList(v lua.LValue) ([]string, error) {
	if s, ok := v.(lua.LString); ok {
		return []string{string(s)}, nil
	}
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil, wantError("a list of strings", v)
	}
	n, count, bad := t.Len(), 0, false
	t.ForEach(func(k, _ lua.LValue) {
		count++
		i, isNum := k.(lua.LNumber)
		bad = bad || !isNum || float64(i) != math.Trunc(float64(i)) || int(i) < 1 || int(i) > n
	})
	if bad || count != n {
		return nil, fmt.Errorf("want a list of strings, got a table with other keys or holes")
	}
	out := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		s, ok := t.RawGetInt(i).(lua.LString)
		if !ok {
			return nil, fmt.Errorf("element #%d: %w", i, wantError("a string", t.RawGetInt(i)))
		}
		out = append(out, string(s))
	}
	return out, nil
}

// stringKeys returns a table's string keys, sorted so errors are reported in
// a stable order, or an error naming a key that is not a string.
func stringKeys(t *lua.LTable) ([]string, error) {
	var keys []string
	var bad lua.LValue
	t.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok {
			keys = append(keys, string(s))
		} else if bad == nil {
			bad = k
		}
	})
	if bad != nil {
		return nil, fmt.Errorf("unexpected key %s: keys are names such as source = ...", describe(bad))
	}
	sort.Strings(keys)
	return keys, nil
}

package sdk

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Config is a plugin's config: its table from the Lua config, and where it
// is attached. The getters read keys and remember every mistake by key;
// Err reports them, and any key that no getter read as unknown.
type Config struct {
	Sync   string // the sync{}'s name
	Source string // the sync's absolute source directory
	Check  bool   // under `luasync check`: validate only
	// Values is the table as JSON-like values: string, float64, bool,
	// []any, map[string]any, nil.
	Values map[string]any
	// CallTimeout is for Configure to set: the longest a Handle call of
	// Info.MaxBatch events may take with this config. Unless the user set
	// callTimeout, the host waits at least this long before it takes a
	// call for a hang (and kills and restarts the plugin). 0: the host's
	// default, 60 s.
	CallTimeout time.Duration

	read map[string]bool
	errs ConfigErrors
}

// ConfigError is one mistake in a plugin's config.
type ConfigError struct {
	Key     string // "" for the block as a whole
	Message string
}

func (e ConfigError) Error() string {
	if e.Key == "" {
		return e.Message
	}
	return e.Key + ": " + e.Message
}

// ConfigErrors are the mistakes Configure found.
type ConfigErrors []ConfigError

func (e ConfigErrors) Error() string {
	parts := make([]string, len(e))
	for i, c := range e {
		parts[i] = c.Error()
	}
	return strings.Join(parts, "; ")
}

// Errorf records a mistake for key.
func (c *Config) Errorf(key, format string, args ...any) {
	c.errs = append(c.errs, ConfigError{Key: key, Message: fmt.Sprintf(format, args...)})
}

// Err returns every recorded mistake, with each key that no getter read
// reported as unknown, or nil.
func (c *Config) Err() error {
	errs := slices.Clone(c.errs)
	var unknown []string
	for k := range c.Values {
		if !c.read[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs = append(errs, ConfigError{Key: k, Message: "unknown key"})
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func (c *Config) get(key string) (any, bool) {
	if c.read == nil {
		c.read = map[string]bool{}
	}
	c.read[key] = true
	v, ok := c.Values[key]
	return v, ok && v != nil
}

// Has reports whether key is set (and marks it read).
func (c *Config) Has(key string) bool {
	_, ok := c.get(key)
	return ok
}

// String is key's string value, or def when it is not set.
func (c *Config) String(key, def string) string {
	v, ok := c.get(key)
	if !ok {
		return def
	}
	s, isString := v.(string)
	if !isString {
		c.Errorf(key, "want a string, got %s", kind(v))
		return def
	}
	return s
}

// Required is key's string value; a missing or empty one is a mistake.
func (c *Config) Required(key string) string {
	s := c.String(key, "")
	if s == "" && !c.failed(key) {
		c.Errorf(key, "required")
	}
	return s
}

// OneOf is key's string value, which must be one of allowed; def when unset.
func (c *Config) OneOf(key, def string, allowed ...string) string {
	s := c.String(key, def)
	if !slices.Contains(allowed, s) && !c.failed(key) {
		c.Errorf(key, "%q is not one of %s", s, strings.Join(allowed, ", "))
		return def
	}
	return s
}

// Bool is key's boolean value, or def.
func (c *Config) Bool(key string, def bool) bool {
	v, ok := c.get(key)
	if !ok {
		return def
	}
	b, isBool := v.(bool)
	if !isBool {
		c.Errorf(key, "want true or false, got %s", kind(v))
		return def
	}
	return b
}

// Int is key's integer value, or def; it must lie in [lo, hi].
func (c *Config) Int(key string, def, lo, hi int) int {
	v, ok := c.get(key)
	if !ok {
		return def
	}
	f, isNum := v.(float64)
	switch {
	case !isNum:
		c.Errorf(key, "want a whole number, got %s", kind(v))
	case f != math.Trunc(f):
		c.Errorf(key, "want a whole number, got %v", f)
	case f < float64(lo) || f > float64(hi):
		c.Errorf(key, "%v is out of range [%d, %d]", f, lo, hi)
	default:
		return int(f)
	}
	return def
}

// Duration is key's value as a duration: a number of seconds (as lsyncd
// writes delays) or a Go duration string ("1.5s", "200ms"); def when unset.
// It must be positive.
func (c *Config) Duration(key string, def time.Duration) time.Duration {
	v, ok := c.get(key)
	if !ok {
		return def
	}
	var d time.Duration
	switch x := v.(type) {
	case float64:
		d = time.Duration(x * float64(time.Second))
	case string:
		var err error
		if d, err = time.ParseDuration(x); err != nil {
			c.Errorf(key, "%q is not a duration (write 5 for seconds, or \"500ms\")", x)
			return def
		}
	default:
		c.Errorf(key, "want seconds or a duration string, got %s", kind(v))
		return def
	}
	if d <= 0 {
		c.Errorf(key, "must be positive")
		return def
	}
	return d
}

// Strings is key's value as a list of strings; a single string is a list
// of one.
func (c *Config) Strings(key string) []string {
	v, ok := c.get(key)
	if !ok {
		return nil
	}
	if s, isString := v.(string); isString {
		return []string{s}
	}
	list, isList := AsList(v)
	if !isList {
		c.Errorf(key, "want a list of strings, got %s", kind(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, isString := e.(string)
		if !isString {
			c.Errorf(fmt.Sprintf("%s[%d]", key, i+1), "want a string, got %s", kind(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

// StringMap is key's value as a table of strings (HTTP headers, say).
func (c *Config) StringMap(key string) map[string]string {
	v, ok := c.get(key)
	if !ok {
		return nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		c.Errorf(key, "want a table of strings, got %s", kind(v))
		return nil
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		s, isString := e.(string)
		if !isString {
			c.Errorf(key+"."+k, "want a string, got %s", kind(e))
			continue
		}
		out[k] = s
	}
	return out
}

// Regexp is key's value compiled as a Go regular expression, or nil.
func (c *Config) Regexp(key string) *regexp.Regexp {
	s := c.String(key, "")
	if s == "" {
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		c.Errorf(key, "bad regular expression: %v", err)
		return nil
	}
	return re
}

func (c *Config) failed(key string) bool {
	for _, e := range c.errs {
		if e.Key == key {
			return true
		}
	}
	return false
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// AsList is v as a list. An empty table is a list too: Lua has one kind of
// table, and {} arrives as an empty object.
func AsList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case map[string]any:
		if len(x) == 0 {
			return []any{}, true
		}
	}
	return nil, false
}

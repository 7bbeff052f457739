package rsync

import (
	"slices"
	"testing"
	"time"
)

// A local target gets an I/O timeout of its own unless the config gives
// one: a stuck local run (seen once in the torture test, 42 s) ends and is
// retried instead of holding the sync.
func TestLocalTargetTimeout(t *testing.T) {
	for _, c := range []struct {
		name    string
		target  string
		timeout time.Duration
		args    []string
		want    string // the --timeout flag expected, "" for none
	}{
		{"local, none configured", "/mnt/copy", 0, nil, "--timeout=15"},
		{"local, configured", "/mnt/copy", 90 * time.Second, nil, "--timeout=90"},
		{"local, in the extra args", "/mnt/copy", 0, []string{"--timeout=7"}, "--timeout=7"},
		{"daemon, none configured", "host::mod", 0, nil, ""},
		{"ssh, none configured", "host:/srv", 0, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg, err := ParseTarget(c.target)
			if err != nil {
				t.Fatal(err)
			}
			s := &Sink{opts: Options{Target: tg, Timeout: c.timeout, Args: c.args}}
			args := s.baseArgs()
			got := ""
			for _, a := range args {
				if len(a) > 10 && a[:10] == "--timeout=" {
					got = a
				}
			}
			if got != c.want {
				t.Errorf("--timeout flag = %q, want %q (args %q)", got, c.want, args)
			}
			if n := len(slices.DeleteFunc(slices.Clone(args), func(a string) bool { return len(a) < 10 || a[:10] != "--timeout=" })); n > 1 {
				t.Errorf("%d --timeout flags: %q", n, args)
			}
		})
	}
}

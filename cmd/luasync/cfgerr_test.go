package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigErrorsNameTheLine: through the binary, `luasync check` exits 2
// and names the file, the line and, for a key, the key, for mistakes the
// parser and the runtime used to report without a line or a name.
func TestConfigErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "src"), 0o755))
	for _, tc := range []struct {
		name, config string
		want         []string
	}{
		{"unknown key in a layer", `local common = {
	default.direct,
	delay = 1,
	delya = 2,
}
sync { common, source = "src", target = "dst" }
`, []string{"bad.lua:4: ", `"delya"`, `did you mean "delay"`}},
		{"unknown rsync{} key", `sync {
	default.rsync,
	source = "src",
	target = "dst",
	rsync = {
		compres = true,
	},
}
`, []string{"bad.lua:6: ", `"rsync"`, `compres`, `did you mean "compress"`}},
		{"unclosed brace", "sync {\n\tdefault.direct,\n\tsource = \"src\",\n\ttarget = \"dst\",\n\n",
			[]string{"bad.lua:4: unexpected end of the file", "'{' on line 1 is never closed"}},
		{"undefined global", "settings { logLevel = 'info' }\nsynk { default.direct, source = 'src', target = 'dst' }\n",
			[]string{"bad.lua:2: attempt to call a nil value (global 'synk')", `did you mean "sync"`}},
		{"a missing source, on its line", "sync {\n\tdefault.direct,\n\ttarget = 'dst',\n\tsource = 'nope',\n}\n",
			[]string{"bad.lua:4: ", `"source"`, "does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(dir, "bad.lua")
			writeFile(t, cfg, tc.config)
			out, code := runBinary(t, "check", cfg)
			if code != 2 {
				t.Errorf("exit status %d, want 2; output:\n%s", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}

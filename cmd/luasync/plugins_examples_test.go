package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// The two third-party examples, run by luasync itself as a config names
// them: the Go one (its own module, the SDK alone) and the Python one
// (grpcio, go-plugin's handshake and mTLS by hand). Every odd name reaches
// both intact.
func TestExamplePluginsThroughLuasync(t *testing.T) {
	if out, err := exec.Command("/usr/bin/python3", "-c", "import grpc, google.protobuf, cryptography").CombinedOutput(); err != nil {
		t.Fatalf("the Python example needs Debian's Python and its gRPC: apt-get install -y python3-grpcio python3-protobuf python3-cryptography\n%v: %s", err, out)
	}
	root := t.TempDir()
	src := filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	goBin := filepath.Join(root, "luasync-jsonl")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", goBin, ".")
	build.Dir = "../../examples/plugins/go-jsonl"
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the Go example: %v\n%s", err, out)
	}
	python, err := filepath.Abs("../../examples/plugins/python/jsonl_plugin.py")
	must(t, err)
	goOut, pyOut := filepath.Join(root, "go.jsonl"), filepath.Join(root, "python.jsonl")
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync { source = %q, delay = 0.05,
       plugins = { plugin{ path = %q, config = { file = %q } },
                   plugin{ path = %q, config = { file = %q } } } }
`, filepath.Join(root, "fail.log"), src, goBin, goOut, python, pyOut))
	if out, err := exec.Command(binary, "check", cfg).CombinedOutput(); err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	p := startRunning(t, cfg)
	for _, n := range oddNames {
		writeFile(t, filepath.Join(src, n), "x")
	}
	for _, out := range []string{goOut, pyOut} {
		waitFor(t, filepath.Base(out)+" to hold every name", func() (bool, string) {
			got := jsonlPaths(t, out)
			var missing []string
			for _, n := range oddNames {
				if !got[n] {
					missing = append(missing, n)
				}
			}
			return len(missing) == 0, fmt.Sprintf("missing %q", missing)
		})
	}
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// jsonlPaths reads the examples' output: a JSON object a line, with the
// path in "path", or base64 in "path_b64" when it is not UTF-8.
func jsonlPaths(t *testing.T, file string) map[string]bool {
	got := map[string]bool{}
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return got
	}
	must(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Path    *string
			PathB64 string `json:"path_b64"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("%s: %q: %v", file, sc.Text(), err)
		}
		switch {
		case line.Path != nil:
			got[*line.Path] = true
		case line.PathB64 != "":
			b, err := base64.StdEncoding.DecodeString(line.PathB64)
			must(t, err)
			got[string(b)] = true
		}
	}
	return got
}

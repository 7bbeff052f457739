package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/luasync/luasync/bench/tool"
)

// need is an executable the selected tools require, and its Debian package.
type need struct{ bin, pkg string }

// lookTools finds every executable the selected tools need, and fails
// with the one apt-get command that installs all the missing ones.
func lookTools(tools []string) (bins tool.Bins, realRsync string, err error) {
	needs := []need{{"rsync", "rsync"}, {"bash", "bash"}, {"cp", "coreutils"}}
	if slices.Contains(tools, tool.LsyncdDefault) || slices.Contains(tools, tool.LsyncdTuned) {
		needs = append(needs, need{"lsyncd", "lsyncd"})
	}
	if slices.Contains(tools, tool.ShellLoop) {
		needs = append(needs, need{"inotifywait", "inotify-tools"})
	}
	found := map[string]string{}
	var missing, pkgs []string
	for _, n := range needs {
		p, err := exec.LookPath(n.bin)
		if err != nil {
			missing, pkgs = append(missing, n.bin), append(pkgs, n.pkg)
			continue
		}
		found[n.bin] = p
	}
	if len(missing) > 0 {
		return bins, "", fmt.Errorf("missing %s; install with: sudo apt-get install -y %s",
			strings.Join(missing, ", "), strings.Join(pkgs, " "))
	}
	return tool.Bins{Lsyncd: found["lsyncd"], InotifyWait: found["inotifywait"], Bash: found["bash"]}, found["rsync"], nil
}

// buildLuasync builds ./cmd/luasync of the module the benchmark runs in.
func buildLuasync(workDir string) (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || len(bytes.TrimSpace(gomod)) == 0 || string(bytes.TrimSpace(gomod)) == os.DevNull {
		return "", fmt.Errorf("build luasync: run from inside the luasync module (go env GOMOD: %v)", err)
	}
	root := filepath.Dir(string(bytes.TrimSpace(gomod)))
	out := filepath.Join(workDir, "bin", "luasync")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/luasync")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build luasync in %s: %w\n%s", root, err, msg)
	}
	return out, nil
}

// detectSink asks the luasync binary whether it accepts a default.rsync
// config. It returns the sink to benchmark and, for direct, why.
func detectSink(bin, workDir, want string) (sink, why string, err error) {
	if want != "auto" {
		return want, "", nil
	}
	dir := filepath.Join(workDir, "sinkcheck")
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		return "", "", fmt.Errorf("check luasync's sinks: %w", err)
	}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("x\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("check luasync's sinks: %w", err)
	}
	env := tool.Env{Source: filepath.Join(dir, "src"), TargetURL: "rsync://bench@127.0.0.1:9/mod/", PasswordFile: pw, Dir: dir, LuasyncSink: tool.SinkRsync}
	cfg := filepath.Join(dir, "check.lua")
	if err := os.WriteFile(cfg, []byte(tool.LuasyncConfig(env)), 0o644); err != nil {
		return "", "", fmt.Errorf("check luasync's sinks: %w", err)
	}
	out, err := exec.Command(bin, "check", cfg).CombinedOutput()
	if err == nil {
		return tool.SinkRsync, "", nil
	}
	return tool.SinkDirect, "this build rejects default.rsync: " + firstLine(string(out)), nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// versions records what was measured, for the report's header.
func versions(bins tool.Bins, realRsync, luasyncDesc string) map[string]string {
	v := map[string]string{"rsync": firstLine(output(realRsync, "--version")), "luasync": luasyncDesc}
	if bins.Lsyncd != "" {
		v["lsyncd"] = firstLine(output(bins.Lsyncd, "--version"))
	}
	if bins.InotifyWait != "" {
		v["inotifywait"] = firstLine(output(bins.InotifyWait, "--help"))
	}
	return v
}

// output runs a command for its text, whatever its exit status.
func output(name string, args ...string) string {
	out, _ := exec.Command(name, args...).CombinedOutput()
	return string(out)
}

package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// Package variables that tests shrink.
var (
	// killGrace is how long a timed-out command has between SIGTERM and
	// SIGKILL.
	killGrace = 3 * time.Second
	// pipeGrace is how long the output pipes may stay open after the
	// command exited (a background child holding them): then they are
	// closed, so a forgotten `cmd &` does not hold its event.
	pipeGrace = 2 * time.Second
)

// runner is a configured plugin: options, where, and the worker slots.
type runner struct {
	opts   Options
	source string
	sync   string
	slots  chan struct{} // one per running command
	env    []string      // the plugin's environment, minus LUASYNC_*
}

func newRunner(o Options, source, syncName string) *runner {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "LUASYNC_") })
	return &runner{opts: o, source: source, sync: syncName, slots: make(chan struct{}, o.Workers), env: env}
}

// abs is rel joined to the source, without cleaning: the command sees
// the bytes the event holds.
func (r *runner) abs(rel string) string {
	if rel == "" {
		return r.source
	}
	return strings.TrimSuffix(r.source, "/") + "/" + rel
}

// command builds the process for ev: the path as one argv entry, never
// spliced into shell text.
func (r *runner) command(ev sdk.Event) *exec.Cmd {
	abspath := r.abs(ev.Path)
	var cmd *exec.Cmd
	if r.opts.Shell {
		script := r.opts.Prefix[0] + ` "$1"`
		if len(r.opts.Suffix) > 0 {
			script += " " + r.opts.Suffix[0]
		}
		cmd = exec.Command("/bin/sh", "-c", script, "sh", abspath)
	} else {
		args := append(slices.Clone(r.opts.Prefix[1:]), abspath)
		cmd = exec.Command(r.opts.Prefix[0], append(args, r.opts.Suffix...)...)
	}
	cmd.Env = append(slices.Clone(r.env),
		"LUASYNC_OP="+ev.Op.String(),
		"LUASYNC_PATH="+ev.Path,
		"LUASYNC_SOURCE="+r.source,
		"LUASYNC_ABSPATH="+abspath,
		"LUASYNC_ISDIR="+isDir(ev),
		"LUASYNC_SYNC="+r.sync,
	)
	if ev.Op == sdk.Move {
		cmd.Env = append(cmd.Env, "LUASYNC_FROM="+ev.From, "LUASYNC_ABSFROM="+r.abs(ev.From))
	}
	if fi, err := os.Stat(r.source); err == nil && fi.IsDir() {
		cmd.Dir = r.source
	}
	// Its own process group, so that a timeout kills what it started too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = pipeGrace
	return cmd
}

func isDir(ev sdk.Event) string {
	if ev.IsDir {
		return "1"
	}
	return "0"
}

// exec runs the command for ev and maps how it ended to a result.
func (r *runner) exec(ctx context.Context, ev sdk.Event) sdk.Result {
	cmd := r.command(ev)
	stdout, stderr := newCapture(), newCapture()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return sdk.Again(ev, fmt.Errorf("start command for %q: %w", ev.Path, err))
	}
	err, stopped := r.wait(ctx, cmd)
	logOutput(ev, "stdout", stdout)
	logOutput(ev, "stderr", stderr)
	return r.result(ev, err, stopped, stderr.lastLine())
}

// wait waits for cmd, killing its process group when the timeout or ctx
// ends first; stopped says why it was killed.
func (r *runner) wait(ctx context.Context, cmd *exec.Cmd) (err error, stopped error) {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(r.opts.Timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err, nil
	case <-timer.C:
		stopped = fmt.Errorf("timed out after %v", r.opts.Timeout)
	case <-ctx.Done():
		stopped = fmt.Errorf("stopped: %w", ctx.Err())
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	grace := time.NewTimer(killGrace)
	defer grace.Stop()
	select {
	case err = <-done:
		// The group may outlive its leader; its id is not reused while
		// any member lives, so this kills only what the command started.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	case <-grace.C:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-done
	}
	return err, stopped
}

// result maps how the command ended: 0 is OK; retryOn, signals and a
// timeout are Retry; other statuses Fail, or OK with ignoreError.
func (r *runner) result(ev sdk.Event, err, stopped error, lastLine string) sdk.Result {
	if stopped != nil {
		return sdk.Again(ev, fmt.Errorf("command for %q: %w", ev.Path, stopped))
	}
	if err == nil || errors.Is(err, exec.ErrWaitDelay) {
		return sdk.Done(ev)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return sdk.Again(ev, fmt.Errorf("wait for command for %q: %w", ev.Path, err))
	}
	why := fmt.Errorf("command for %q: %s", ev.Path, exit.ProcessState)
	if lastLine != "" {
		why = fmt.Errorf("%w: %s", why, lastLine)
	}
	status, _ := exit.Sys().(syscall.WaitStatus)
	switch {
	case status.Signaled(), slices.Contains(r.opts.RetryOn, exit.ExitCode()):
		return sdk.Again(ev, why)
	case r.opts.IgnoreError:
		sdk.Log.Warn("command failed; ignoreError counts it done", "path", ev.Path, "error", why.Error())
		return sdk.Done(ev)
	}
	return sdk.Failed(ev, why)
}

package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"

	"github.com/luasync/luasync/plugins/sdk"
)

// Why a plugin did not start. Each comes wrapped in an error that names
// the plugin and its path, and says more (errors.Is finds them).
var (
	ErrNotFound      = errors.New("no such file; check the path")
	ErrNotExecutable = errors.New("not executable")
	ErrNotPlugin     = errors.New("not a luasync plugin")
	ErrChecksum      = errors.New("checksum mismatch")
	ErrStartTimeout  = errors.New("start timed out")
)

// proc is one plugin process, connected, told its config.
type proc struct {
	client *plugin.Client
	conn   *grpc.ClientConn
	rpc    *sdk.Client
	cmd    *exec.Cmd
	pid    int
	info   sdk.Info
	// callTimeout is what the plugin's Configure said a call may take.
	callTimeout time.Duration

	// once makes kill and stop idempotent, and makes a second caller wait
	// until the first has reaped the process: cmd.ProcessState is safe to
	// read after it.
	once sync.Once
}

// spawn starts a process of o's plugin and calls Info and Configure (with
// cfg.Check set to check).
func spawn(ctx context.Context, o Options, log *slog.Logger, check bool) (*proc, error) {
	path, err := resolve(o)
	if err != nil {
		return nil, err
	}
	secure, err := pin(o, path)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, o.Command[1:]...)
	// Ours first, then Env, so that Env wins (exec keeps the last of a
	// duplicate); go-plugin adds its cookie after both.
	cmd.Env = append(os.Environ(), o.Env...)
	ownGroup(cmd)
	stderr := &tail{}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          sdk.Plugins,
		Cmd:              cmd,
		SecureConfig:     secure,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         o.MTLS,
		StartTimeout:     o.StartTimeout,
		Logger:           hclogFor(log, path),
		Stderr:           stderr,
		SyncStdout:       &lines{l: log, stream: "stdout"},
		SyncStderr:       &lines{l: log, stream: "stderr"},
		SkipHostEnv:      true,
	})
	p := &proc{client: client, cmd: cmd}
	cp, err := client.Client()
	if err != nil {
		p.stop()
		return nil, startError(o, path, p, stderr, err)
	}
	p.pid = cmd.Process.Pid
	if g, ok := cp.(*plugin.GRPCClient); ok {
		p.conn = g.Conn
	}
	raw, err := cp.Dispense(sdk.Name)
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("start plugin %s: %w: it serves no %q plugin: %v", label(o, path), ErrNotPlugin, sdk.Name, err)
	}
	p.rpc = raw.(*sdk.Client)
	if err := p.configure(ctx, o, check); err != nil {
		p.kill()
		return nil, fmt.Errorf("%w (plugin %s)", err, label(o, path))
	}
	return p, nil
}

// configure calls Info and Configure, together bounded by StartTimeout.
func (p *proc) configure(ctx context.Context, o Options, check bool) error {
	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	info, err := p.rpc.Info(ctx)
	if err != nil {
		return err
	}
	p.info = info
	cfg := &sdk.Config{Sync: o.Sync, Source: o.Source, Check: check, Values: o.Config}
	if err := p.rpc.Configure(ctx, cfg); err != nil {
		return fmt.Errorf("configure: %w", err)
	}
	p.callTimeout = cfg.CallTimeout
	return nil
}

// resolve finds Command[0] and checks that it is an executable file.
func resolve(o Options) (string, error) {
	if len(o.Command) == 0 || o.Command[0] == "" {
		return "", fmt.Errorf("start plugin %q: no command", o.Name)
	}
	path := o.Command[0]
	if !strings.Contains(path, "/") {
		found, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("start plugin %s: %w: %q is not in $PATH; give its full path", label(o, path), ErrNotFound, path)
		}
		path = found
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("start plugin %s: %w", label(o, path), ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("start plugin %s: %w", label(o, path), err)
	case fi.IsDir():
		return "", fmt.Errorf("start plugin %s: %w: it is a directory", label(o, path), ErrNotExecutable)
	case fi.Mode()&0o111 == 0:
		return "", fmt.Errorf("start plugin %s: %w (mode %04o); make it executable (chmod +x)",
			label(o, path), ErrNotExecutable, fi.Mode().Perm())
	}
	return path, nil
}

// pin is go-plugin's check of the binary against o.SHA256, or nil.
func pin(o Options, path string) (*plugin.SecureConfig, error) {
	if o.SHA256 == "" {
		return nil, nil
	}
	want, err := hex.DecodeString(o.SHA256)
	if err != nil || len(want) != sha256.Size {
		return nil, fmt.Errorf("start plugin %s: sha256 %q is not 64 hex digits", label(o, path), o.SHA256)
	}
	return &plugin.SecureConfig{Checksum: want, Hash: sha256.New()}, nil
}

// startError turns go-plugin's start errors into ones that say what the
// program did instead of the handshake.
func startError(o Options, path string, p *proc, stderr *tail, err error) error {
	where := label(o, path)
	msg := err.Error()
	var e error
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		e = fmt.Errorf("start plugin %s: %w: want sha256 %s, got %s", where, ErrChecksum,
			strings.ToLower(o.SHA256), fileSum(path))
	case errors.Is(err, fs.ErrPermission):
		e = fmt.Errorf("start plugin %s: %w: %v", where, ErrNotExecutable, err)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		e = fmt.Errorf("start plugin %s: %w: no handshake within %s", where, ErrStartTimeout, o.StartTimeout)
	case strings.HasPrefix(msg, "Unrecognized remote plugin message: "):
		first, _, _ := strings.Cut(strings.TrimPrefix(msg, "Unrecognized remote plugin message: "), "\n")
		did := fmt.Sprintf("it printed %q instead of the go-plugin handshake", first)
		if first == "" {
			did = "it printed no handshake"
		}
		e = fmt.Errorf("start plugin %s: %w: %s%s", where, ErrNotPlugin, did, exitNote(p))
	case strings.Contains(msg, "exited before we could connect"):
		e = fmt.Errorf("start plugin %s: %w: it stopped before the handshake%s", where, ErrNotPlugin, exitNote(p))
	case strings.Contains(msg, "incompatible") || strings.Contains(msg, "unsupported plugin protocol"):
		e = fmt.Errorf("start plugin %s: %w: %s", where, ErrNotPlugin, firstLine(msg))
	default:
		e = fmt.Errorf("start plugin %s: %w", where, err)
	}
	if s := stderr.String(); s != "" {
		e = fmt.Errorf("%w; its stderr ends: %s", e, s)
	}
	return e
}

// exitNote says how a process that failed its start ended, unless it was
// go-plugin that killed it.
func exitNote(p *proc) string {
	ps := p.cmd.ProcessState
	if ps == nil || (!ps.Exited() && ps.String() == "signal: killed") {
		return ""
	}
	return " (it " + strings.Replace(ps.String(), "exit status", "exited with status", 1) + ")"
}

func fileSum(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return hex.EncodeToString(h.Sum(nil))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// label names a plugin in errors: its name and the path of its binary.
func label(o Options, path string) string {
	if o.Name == "" {
		return path
	}
	return o.Name + " (" + path + ")"
}

// stop ends the process the gentle way (go-plugin's Kill: close the
// connection, wait two seconds, then kill), and then what it left behind
// in its process group.
func (p *proc) stop() {
	p.once.Do(func() {
		done := make(chan struct{})
		go func() { p.client.Kill(); close(done) }()
		select {
		case <-done:
		case <-time.After(stopGrace):
			// go-plugin's Kill waits for the plugin to answer a shutdown
			// call first: a stopped (SIGSTOP) plugin never does.
			killGroup(p.pid)
			if p.cmd.Process != nil {
				_ = p.cmd.Process.Kill()
			}
			<-done
		}
		killGroup(p.pid)
	})
}

// stopGrace is how long stop lets go-plugin's Kill take before it kills.
const stopGrace = 5 * time.Second

// kill ends a process that hangs or is gone at once, with its group.
func (p *proc) kill() {
	p.once.Do(func() {
		killGroup(p.pid)
		if p.cmd.Process != nil {
			_ = p.cmd.Process.Kill()
		}
		p.client.Kill()
	})
}

// exit says how a stopped process ended.
func (p *proc) exit() string {
	if ps := p.cmd.ProcessState; ps != nil {
		return ps.String()
	}
	return "unknown"
}

// ping asks the process's gRPC health service, as go-plugin's Ping does,
// but bounded by ctx: a stopped process answers nothing.
func (p *proc) ping(ctx context.Context) error {
	if p.client.Exited() {
		return errors.New("process exited")
	}
	if p.conn == nil {
		return nil
	}
	_, err := grpc_health_v1.NewHealthClient(p.conn).Check(ctx,
		&grpc_health_v1.HealthCheckRequest{Service: plugin.GRPCServiceName})
	return err
}

// pingTimeout bounds a ping.
const pingTimeout = 10 * time.Second

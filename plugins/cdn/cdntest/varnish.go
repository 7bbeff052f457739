package cdntest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Install is how to get varnishd on Debian and Ubuntu; a test that cannot
// find it fails with this.
const Install = "apt-get install -y varnish"

// ReadyPath answers 200 from Varnish itself, never from the backend: the
// readiness probe must not fill the cache or move a backend's counters.
const ReadyPath = "/.luasync-varnish-ready"

// vcl caches everything for an hour, and from loopback takes PURGE (one
// object, the URL and Host as sent) and BAN (every object of that Host
// whose URL starts with the one sent, for the cdn plugin's fullMethod).
// X-Cache says HIT or MISS, to help read a failing test.
const vcl = `vcl 4.1;

backend default {
	.host = "%s";
	.port = "%s";
}

acl purgers {
	"127.0.0.1";
	"::1";
}

sub vcl_recv {
	if (req.url == "` + ReadyPath + `") {
		return (synth(200, "ready"));
	}
	if (req.method == "PURGE" || req.method == "BAN") {
		if (client.ip !~ purgers) {
			return (synth(405, "not allowed"));
		}
		if (req.method == "BAN") {
			ban("req.http.host == " + req.http.host + " && req.url ~ ^" + req.url);
			return (synth(200, "banned"));
		}
		return (purge);
	}
}

sub vcl_backend_response {
	set beresp.ttl = 1h;
}

sub vcl_deliver {
	if (obj.hits > 0) {
		set resp.http.X-Cache = "HIT";
	} else {
		set resp.http.X-Cache = "MISS";
	}
}
`

// StartVarnish runs varnishd in the foreground on a free port of
// 127.0.0.1, caching backendURL (http://HOST:PORT), until the test ends,
// and returns its address. It runs with -j none: as root that keeps the
// worker as root (the varnish user could not read the test's temporary
// directory), and as any other user it is the only jail that works.
func StartVarnish(t testing.TB, backendURL string) (addr string) {
	t.Helper()
	bin := varnishd(t)
	backend, err := url.Parse(backendURL)
	if err != nil || backend.Hostname() == "" || backend.Port() == "" {
		t.Fatalf("start varnish: backend %q is not http://HOST:PORT", backendURL)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "test.vcl")
	if err := os.WriteFile(conf, fmt.Appendf(nil, vcl, backend.Hostname(), backend.Port()), 0o644); err != nil {
		t.Fatalf("start varnish: write %s: %v", conf, err)
	}
	// Another process may take the free port before varnishd binds it.
	for try := 1; ; try++ {
		addr, err := start(t, bin, filepath.Join(dir, fmt.Sprintf("work%d", try)), conf)
		if err == nil {
			return addr
		}
		if try == 5 || !errors.Is(err, errAddrInUse) {
			t.Fatalf("start varnish: %v", err)
		}
	}
}

var errAddrInUse = errors.New("address in use")

func start(t testing.TB, bin, work, conf string) (string, error) {
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-F", "-j", "none", "-n", work, "-a", addr, "-T", "none",
		"-f", conf, "-s", "malloc,64m")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	// Generous: varnishd compiles the VCL with cc, slow on a busy machine.
	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-exited:
			if strings.Contains(out.String(), "in use") {
				return "", fmt.Errorf("%s: %w", addr, errAddrInUse)
			}
			return "", fmt.Errorf("varnishd exited before serving %s (is cc installed? `%s` brings it):\n%s",
				addr, Install, out.String())
		default:
		}
		if resp, err := client.Get("http://" + addr + ReadyPath); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Cleanup(func() {
					stop()
					if t.Failed() {
						t.Logf("varnishd output:\n%s", out.String())
					}
				})
				return addr, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("varnishd did not answer on %s within 90s:\n%s", addr, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// varnishd finds the binary; root's PATH has /usr/sbin, a user's may not.
func varnishd(t testing.TB) string {
	if p, err := exec.LookPath("varnishd"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/varnishd", "/usr/local/sbin/varnishd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("varnishd not found in PATH, /usr/sbin or /usr/local/sbin: install it with `%s`", Install)
	return ""
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start varnish: find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lockedBuffer collects varnishd's output from two pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

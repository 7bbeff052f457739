package cdn

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/luasync/luasync/plugins/cdn/cdntest"
	"github.com/luasync/luasync/plugins/sdk"
)

// origin is the web server behind Varnish: it serves a directory and
// counts the requests that reach it, per escaped path. Not
// http.FileServer: that one answers 404 for a name that is not UTF-8.
type origin struct {
	dir  string
	mu   sync.Mutex
	hits map[string]int
}

func startOrigin(t *testing.T) (*origin, string) {
	o := &origin{dir: t.TempDir(), hits: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.EscapedPath()]++
		o.mu.Unlock()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "read only", http.StatusMethodNotAllowed)
			return
		}
		b, err := os.ReadFile(filepath.Join(o.dir, filepath.FromSlash(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return o, srv.URL
}

func (o *origin) count(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

func (o *origin) write(t *testing.T, name, content string) {
	t.Helper()
	p := filepath.Join(o.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// get fetches name (escaped as the plugin escapes it) through Varnish.
func get(t *testing.T, addr, name string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/" + escapePath(name))
	if err != nil {
		t.Fatalf("GET %s: %v", name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", name, err)
	}
	return resp.StatusCode, string(body)
}

// cached fetches name twice through Varnish and checks that the origin
// saw it once more, not twice: the second GET was a cache hit.
func cached(t *testing.T, o *origin, addr, name, want string) {
	t.Helper()
	before := o.count("/" + escapePath(name))
	for range 2 {
		if code, body := get(t, addr, name); code != http.StatusOK || body != want {
			t.Fatalf("GET %q through varnish: %d %q, want 200 %q", name, code, body, want)
		}
	}
	if n := o.count("/"+escapePath(name)) - before; n != 1 {
		t.Fatalf("GET %q twice reached the origin %d times, want once (cached)", name, n)
	}
}

func TestVarnishPurgeServesNewContent(t *testing.T) {
	o, backend := startOrigin(t)
	addr := cdntest.StartVarnish(t, backend)
	p := start(t, map[string]any{"provider": "purge", "base": "http://" + addr + "/",
		"full": "all", "fullMethod": "BAN"})

	names := []string{"page.txt", "dir with space/a#b?c%d,e;f.txt", "caf\xc3\xa9 \xff\xfe.txt"}
	for _, name := range names {
		o.write(t, name, "v1")
		cached(t, o, addr, name, "v1")
		o.write(t, name, "v2")
		if _, body := get(t, addr, name); body != "v1" {
			t.Fatalf("GET %q before the purge: %q, want the cached v1 (else this test proves nothing)", name, body)
		}
	}
	var events []sdk.Event
	for i, name := range names {
		events = append(events, ev(uint64(i+1), sdk.Modify, name))
	}
	for _, r := range p.handle(events...) {
		wantOutcome(t, r, sdk.OK, "")
	}
	for _, name := range names {
		cached(t, o, addr, name, "v2")
	}

	t.Run("a moved file is purged at both names", func(t *testing.T) {
		o.write(t, "old.txt", "old")
		cached(t, o, addr, "old.txt", "old")
		if code, _ := get(t, addr, "new.txt"); code != http.StatusNotFound {
			t.Fatalf("GET new.txt before the move: %d, want 404", code)
		}
		if err := os.Rename(filepath.Join(o.dir, "old.txt"), filepath.Join(o.dir, "new.txt")); err != nil {
			t.Fatal(err)
		}
		move := ev(1, sdk.Move, "new.txt")
		move.From = "old.txt"
		wantOutcome(t, p.handle(move)[1], sdk.OK, "")
		if code, _ := get(t, addr, "old.txt"); code != http.StatusNotFound {
			t.Errorf("GET old.txt after the move: %d, want 404", code)
		}
		cached(t, o, addr, "new.txt", "old")
	})

	t.Run("a full sync of a directory bans what is below it", func(t *testing.T) {
		o.write(t, "sub/x.txt", "x1")
		o.write(t, "other.txt", "o1")
		cached(t, o, addr, "sub/x.txt", "x1")
		cached(t, o, addr, "other.txt", "o1")
		o.write(t, "sub/x.txt", "x2")
		o.write(t, "other.txt", "o2")
		wantOutcome(t, p.handle(ev(1, sdk.Full, "sub"))[1], sdk.OK, "")
		cached(t, o, addr, "sub/x.txt", "x2")
		if _, body := get(t, addr, "other.txt"); body != "o1" {
			t.Errorf("other.txt, outside sub: %q, want the cached o1", body)
		}
	})

	t.Run("a purge of a URL not cached is OK", func(t *testing.T) {
		wantOutcome(t, p.handle(ev(1, sdk.Delete, "never-fetched.txt"))[1], sdk.OK, "")
	})
}

// A cache that refuses the method (405) is a Fail: retrying cannot help.
func TestVarnishRefusedMethodFails(t *testing.T) {
	_, backend := startOrigin(t)
	addr := cdntest.StartVarnish(t, backend)
	p := start(t, map[string]any{"provider": "purge", "base": "http://" + addr + "/", "method": "DELETE"})
	res := p.handle(ev(1, sdk.Modify, "a.txt"))
	// Varnish's builtin VCL passes DELETE to the origin, which answers
	// 405 Method Not Allowed.
	wantOutcome(t, res[1], sdk.Fail, "405")
}

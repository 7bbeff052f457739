package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/luasync/luasync/plugins/cdn/cdntest"
)

// The cdn plugin in front of a real Varnish: a file's cached copy is
// gone once the file changes, through the real binary and a real plugin
// process.
func TestCDNPurgesVarnish(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	var hits atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != cdntest.ReadyPath {
			hits.Add(1)
		}
		http.FileServer(http.Dir(src)).ServeHTTP(w, r)
	}))
	t.Cleanup(origin.Close)
	cache := cdntest.StartVarnish(t, origin.URL)
	name := "new page #1.html"
	writeFile(t, filepath.Join(src, name), "version 1")
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync { source = %q, delay = 0.05,
       plugins = { cdn{ provider = "purge", base = "http://%s/" } } }
`, filepath.Join(root, "fail.log"), src, cache))
	p := startRunning(t, cfg)
	url := "http://" + cache + "/new%20page%20%231.html"
	get := func() string {
		resp, err := http.Get(url)
		must(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		must(t, err)
		return string(b)
	}
	if a, b := get(), get(); a != "version 1" || b != a {
		t.Fatalf("through the cache: %q then %q", a, b)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the origin was asked %d times for two requests; want 1 (cached)", n)
	}
	writeFile(t, filepath.Join(src, name), "version 2")
	waitFor(t, "the cache to serve the new version", func() (bool, string) {
		got := get()
		return got == "version 2", fmt.Sprintf("the cache serves %q; luasync:\n%s", got, p.out.String())
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// The cdn plugin against a local stand-in for Cloudflare's API: a burst
// of 75 changes is purged in requests of at most 30 URLs, with the token
// from a file, which never reaches the log.
func TestCDNCloudflareBatches(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	const token = "s3cr3t-t0ken-value"
	tokenFile := filepath.Join(root, "token")
	must(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))
	var (
		mu    sync.Mutex
		sizes []int
		urls  = map[string]bool{}
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/client/v4/zones/zone123/purge_cache" || r.Header.Get("Authorization") != "Bearer "+token {
			t.Errorf("unexpected request %s %s (authorization %q)", r.Method, r.URL.Path, r.Header.Get("Authorization"))
			http.Error(w, "no", http.StatusBadRequest)
			return
		}
		var body struct{ Files []string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("purge body: %v", err)
		}
		mu.Lock()
		sizes = append(sizes, len(body.Files))
		for _, u := range body.Files {
			urls[u] = true
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true,"errors":[],"messages":[],"result":{"id":"zone123"}}`)
	}))
	t.Cleanup(api.Close)
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync { source = %q, delay = 0.5,
       plugins = { cdn{ provider = "cloudflare", zone = "zone123", api = %q,
                        base = "https://www.example.com/", tokenFile = %q } } }
`, filepath.Join(root, "fail.log"), src, api.URL+"/client/v4", tokenFile))
	p := startRunning(t, cfg)
	names := numbered("page", 75)
	for _, n := range names {
		writeFile(t, filepath.Join(src, n), n)
	}
	waitFor(t, "every page to be purged", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range names {
			if !urls["https://www.example.com/"+n] {
				return false, fmt.Sprintf("%d URLs purged in %v", len(urls), sizes)
			}
		}
		return true, ""
	})
	mu.Lock()
	for _, n := range sizes {
		if n > 30 || n == 0 {
			t.Errorf("a purge request held %d URLs; Cloudflare takes 1 to 30 (all: %v)", n, sizes)
		}
	}
	got := len(sizes)
	mu.Unlock()
	if got < 3 {
		t.Errorf("75 URLs in %d requests", got)
	}
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(p.out.String(), token) {
		t.Error("the API token appears in luasync's log")
	}
}

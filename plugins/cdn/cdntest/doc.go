// Package cdntest starts a real Varnish in front of a test's HTTP server,
// for the cdn plugin's tests and luasync's end-to-end tests.
//
//	backend := httptest.NewServer(http.FileServer(http.Dir(dir)))
//	addr := cdntest.StartVarnish(t, backend.URL) // "127.0.0.1:PORT"
//	// plugins = { cdn{ provider = "purge", base = "http://" .. addr .. "/" } }
package cdntest

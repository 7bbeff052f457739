// Package cdn is luasync's built-in CDN purge plugin (`luasync plugin
// serve cdn`): it turns changed paths into URLs and asks a cache to drop
// them, so visitors see a file's new content as soon as it is mirrored.
//
// The lifecycle, as the host drives it:
//
//  1. New makes an unconfigured Plugin; Info needs no config.
//  2. Configure reads the plugin's table (see settings for every key),
//     reads the API token from a file or the environment, and builds the
//     URL mapping, the rate limiter and the HTTP client.
//  3. Handle maps each event to its URLs (base + the escaped path, or the
//     first matching `map` rule, like sersync's refreshCDN regexurl),
//     dedupes them across the batch, purges them through the provider
//     (purge: one HTTP PURGE per URL for Varnish or nginx; cloudflare:
//     POST purge_cache in chunks; fastly: POST /purge/{url}) and reports
//     each event OK only when every one of its URLs was purged.
//
// Throttling (429) and server errors (5xx) are retried within the call,
// honouring Retry-After; what still fails comes back Retry for the host's
// backoff. A request the provider refuses (other 4xx) is Fail. The token
// never appears in a log line, an error or a result reason.
//
// Package cdntest starts a real Varnish for tests.
package cdn

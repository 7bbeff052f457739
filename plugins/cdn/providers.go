package cdn

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/luasync/luasync/plugins/sdk"
)

// provider purges a batch's targets and returns a failure (nil: done)
// for each target, in order.
type provider interface {
	purge(ctx context.Context, s *sender, targets []target) []*failure
}

func newProvider(s *settings) provider {
	h := http.Header{}
	switch s.provider {
	case "cloudflare":
		h.Set("Authorization", "Bearer "+s.token)
		h.Set("Content-Type", "application/json")
		return &cloudflare{endpoint: s.api + "/zones/" + url.PathEscape(s.zone) + "/purge_cache", batch: s.batch, header: h}
	case "fastly":
		h.Set("Fastly-Key", s.token)
		h.Set("Accept", "application/json")
		return &fastly{api: s.api, service: s.service, soft: s.softPurge, header: h}
	}
	for k, v := range s.headers {
		h.Set(k, v)
	}
	if s.token != "" {
		h.Set("Authorization", "Bearer "+s.token)
	}
	return &purger{method: s.method, fullMethod: s.fullMethod, header: h}
}

// purger sends one request per URL to a cache that takes PURGE
// (Varnish, nginx proxy_cache_purge).
type purger struct {
	method, fullMethod string
	header             http.Header
}

func (p *purger) purge(ctx context.Context, s *sender, targets []target) []*failure {
	out := make([]*failure, len(targets))
	for i, t := range targets {
		m := p.method
		if t.kind == purgeBelow {
			m = p.fullMethod
		}
		_, out[i] = s.send(ctx, request{method: m, url: t.url, header: p.header}, purged)
		if out[i] != nil && out[i].stop {
			stopRest(out, i+1, out[i])
			break
		}
	}
	return out
}

// purged: 404 is what Varnish and nginx answer for a URL not in cache.
func purged(status int) bool {
	return status == http.StatusOK || status == http.StatusNoContent || status == http.StatusNotFound
}

func success(status int) bool { return status >= 200 && status < 300 }

// cloudflare purges by URL in chunks of batch with POST purge_cache.
type cloudflare struct {
	endpoint string
	batch    int
	header   http.Header
}

func (c *cloudflare) purge(ctx context.Context, s *sender, targets []target) []*failure {
	out := make([]*failure, len(targets))
	var urls []int
	for i, t := range targets {
		if t.kind == purgeAll {
			// Everything first: when it works, it purged the URLs too.
			if out[i] = c.post(ctx, s, map[string]any{"purge_everything": true}); out[i] == nil {
				return out
			}
			if out[i].stop {
				stopRest(out, 0, out[i])
				return out
			}
			continue
		}
		urls = append(urls, i)
	}
	for start := 0; start < len(urls); start += c.batch {
		chunk := urls[start:min(start+c.batch, len(urls))]
		files := make([]string, len(chunk))
		for j, i := range chunk {
			files[j] = targets[i].url
		}
		f := c.post(ctx, s, map[string]any{"files": files})
		for _, i := range chunk {
			out[i] = f
		}
		if f != nil && f.stop {
			for _, i := range urls[start+len(chunk):] {
				out[i] = stopped(f)
			}
			break
		}
	}
	return out
}

// post sends one purge_cache request and checks the answer's "success".
func (c *cloudflare) post(ctx context.Context, s *sender, body map[string]any) *failure {
	data, err := json.Marshal(body)
	if err != nil {
		return s.fail(sdk.Fail, false, "encode purge request: %v", err)
	}
	req := request{method: http.MethodPost, url: c.endpoint, body: data, header: c.header}
	answer, f := s.send(ctx, req, success)
	if f != nil {
		return f
	}
	var res struct {
		Success bool `json:"success"`
		Errors  []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(answer, &res); err != nil || !res.Success {
		return s.fail(sdk.Fail, false, "POST %s: the answer is not success%s", c.endpoint, snippet(answer))
	}
	return nil
}

// fastly purges one URL per POST /purge/{host and path}, and a service
// with purge_all.
type fastly struct {
	api, service string
	soft         bool
	header       http.Header
}

func (f *fastly) purge(ctx context.Context, s *sender, targets []target) []*failure {
	out := make([]*failure, len(targets))
	for i, t := range targets {
		if t.kind == purgeAll {
			// purge_all is never soft (Fastly refuses a soft purge_all).
			u := f.api + "/service/" + url.PathEscape(f.service) + "/purge_all"
			if out[i] = f.post(ctx, s, u, f.header); out[i] == nil {
				return make([]*failure, len(targets))
			}
		}
	}
	h := f.header
	if f.soft {
		h = h.Clone()
		h.Set("Fastly-Soft-Purge", "1")
	}
	for i, t := range targets {
		if t.kind == purgeAll {
			continue
		}
		if stop := firstStop(out); stop != nil {
			out[i] = stopped(stop)
			continue
		}
		// The API takes the cached URL without its scheme.
		cached := strings.TrimPrefix(strings.TrimPrefix(t.url, "https://"), "http://")
		out[i] = f.post(ctx, s, f.api+"/purge/"+cached, h)
	}
	return out
}

// post sends one purge request and checks the answer's "status".
func (f *fastly) post(ctx context.Context, s *sender, u string, h http.Header) *failure {
	answer, fl := s.send(ctx, request{method: http.MethodPost, url: u, header: h}, success)
	if fl != nil {
		return fl
	}
	var res struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(answer, &res); err != nil || res.Status != "ok" {
		return s.fail(sdk.Fail, false, "POST %s: the answer's status is not ok%s", u, snippet(answer))
	}
	return nil
}

func firstStop(fs []*failure) *failure {
	for _, f := range fs {
		if f != nil && f.stop {
			return f
		}
	}
	return nil
}

// stopRest marks out[from:] (those still unset) not sent because of f.
func stopRest(out []*failure, from int, f *failure) {
	for i := from; i < len(out); i++ {
		if out[i] == nil {
			out[i] = stopped(f)
		}
	}
}

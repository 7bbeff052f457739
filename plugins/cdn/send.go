package cdn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/time/rate"

	"github.com/luasync/luasync/plugins/sdk"
)

// maxWait caps one wait between tries within a Handle call: a longer
// Retry-After (Cloudflare blocks for five minutes once its API limit is
// hit) ends the call's tries, and the host's backoff takes over.
var maxWait = time.Minute

// backoff is the wait before try n+1 when the server names none.
func backoff(n int) time.Duration { return 500 * time.Millisecond << (n - 1) }

// sender makes the provider's HTTP requests: rate-limited, retried on
// throttling and server errors, with the token scrubbed from every
// reason and log line.
type sender struct {
	client   *http.Client
	limiter  *rate.Limiter
	attempts int
	secret   string // the token, to scrub
	log      *slog.Logger
}

// request is one HTTP request; it is rebuilt for every try.
type request struct {
	method string
	url    string
	body   []byte
	header http.Header
}

// failure is why a purge did not happen.
type failure struct {
	outcome sdk.Outcome // Retry or Fail
	reason  string
	// stop: the provider as a whole is unwell (throttling, a refused
	// token, server errors, unreachable) or the call's time is up, so the
	// batch's remaining requests are not sent.
	stop bool
}

func newSender(s *settings, log *slog.Logger) *sender {
	return &sender{
		client: &http.Client{
			Timeout: s.timeout,
			// A redirected PURGE would become a GET (301, 302) or carry the
			// token to another host: report it instead of following it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		limiter:  rate.NewLimiter(rate.Limit(s.rate), s.burst),
		attempts: s.attempts,
		secret:   s.token,
		log:      log,
	}
}

// send makes req until accept likes the status, and returns the
// response body; or the failure.
func (s *sender) send(ctx context.Context, req request, accept func(int) bool) ([]byte, *failure) {
	what := req.method + " " + req.url
	for n := 1; ; n++ {
		if err := s.limiter.Wait(ctx); err != nil {
			return nil, s.fail(sdk.Retry, true, "%s: not sent: %v", what, err)
		}
		resp, body, err := s.once(ctx, req)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, s.fail(sdk.Retry, true, "%s: %v", what, ctx.Err())
		case err != nil:
			wait = backoff(n)
		case accept(resp.StatusCode):
			return body, nil
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			// Retry, not Fail: a token being rotated or a permission being
			// fixed should not cost the events; the retry budget still
			// ends in the fail log.
			return nil, s.fail(sdk.Retry, true, "%s: %s (check the API token and its permissions)%s", what, resp.Status, snippet(body))
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			wait = retryAfter(resp.Header.Get("Retry-After"), time.Now(), backoff(n))
			err = fmt.Errorf("%s%s", resp.Status, snippet(body))
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			return nil, s.fail(sdk.Fail, false, "%s: %s: redirect to %q not followed", what, resp.Status, resp.Header.Get("Location"))
		default:
			return nil, s.fail(sdk.Fail, false, "%s: %s%s", what, resp.Status, snippet(body))
		}
		if n >= s.attempts {
			return nil, s.fail(sdk.Retry, true, "%s: %v (%d tries)", what, err, n)
		}
		if d, ok := ctx.Deadline(); wait > maxWait || (ok && time.Until(d) < wait) {
			return nil, s.fail(sdk.Retry, true, "%s: %v (retry after %s)", what, err, wait.Round(time.Second))
		}
		s.log.Warn("cdn: retrying", "request", s.scrub(what), "error", s.scrub(err.Error()), "wait", wait, "try", n)
		if !sleep(ctx, wait) {
			return nil, s.fail(sdk.Retry, true, "%s: %v; then %v", what, err, ctx.Err())
		}
	}
}

// once makes one try. The body read is capped: it is only for reasons
// and for the providers' small JSON answers.
func (s *sender) once(ctx context.Context, req request) (*http.Response, []byte, error) {
	r, err := http.NewRequestWithContext(ctx, req.method, req.url, bytes.NewReader(req.body))
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	for k, v := range req.header {
		r.Header[k] = v
	}
	// Go sends the Host header from req.Host, never from the map.
	if h := req.header.Get("Host"); h != "" {
		r.Host = h
	}
	resp, err := s.client.Do(r)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is in the reason already
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp, body, err
}

func (s *sender) fail(o sdk.Outcome, stop bool, format string, args ...any) *failure {
	return &failure{outcome: o, stop: stop, reason: s.scrub(fmt.Sprintf(format, args...))}
}

// scrub removes the token from text bound for a log or a reason, in case
// a server echoes it back.
func (s *sender) scrub(text string) string {
	if s.secret == "" {
		return text
	}
	return strings.ReplaceAll(text, s.secret, "[token]")
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; def
// when absent or unreadable.
func retryAfter(h string, now time.Time, def time.Duration) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return def
	}
	if secs, err := strconv.Atoi(h); err == nil {
		return time.Duration(max(secs, 0)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0)
	}
	return def
}

// snippet is the start of a response body, on one line, for a reason.
func snippet(body []byte) string {
	text := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	text = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return '?'
	}, text)
	if text == "" {
		return ""
	}
	if len(text) > 300 {
		text = strings.ToValidUTF8(text[:300], "") + "..."
	}
	return ": " + text
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// stopped is the failure of a request not sent because an earlier one
// in the batch stopped it.
func stopped(f *failure) *failure {
	return &failure{outcome: sdk.Retry, stop: true, reason: "not sent: " + f.reason}
}

package reportpost

import (
	"context"
	"crypto/hmac"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is IT's endpoint as docs/fleet.md tells IT to write it: it
// checks the signature and the replay window.
type receiver struct {
	*httptest.Server
	secret []byte
	now    func() time.Time

	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	answers  []int // status per request, then 200
	verified []bool
}

func newReceiver(t *testing.T, secret string, answers ...int) *receiver {
	t.Helper()
	rc := &receiver{secret: []byte(secret), answers: answers, now: time.Now}
	rc.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, body)
		rc.headers = append(rc.headers, r.Header.Clone())
		rc.verified = append(rc.verified, verify(rc.secret, r.Header, body, rc.now()))
		status := http.StatusNoContent
		if n := len(rc.bodies); n <= len(rc.answers) {
			status = rc.answers[n-1]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// verify is the receiver's check from docs/fleet.md: the timestamp within
// five minutes of now, then the signature in constant time.
func verify(secret []byte, h http.Header, body []byte, now time.Time) bool {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false
	}
	return hmac.Equal([]byte(h.Get(HeaderSignature)), []byte(Sign(secret, ts, body)))
}

func fastPoster(c *http.Client) *Poster {
	return &Poster{Client: c, AttemptTimeout: 2 * time.Second, Budget: 5 * time.Second,
		Backoff: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}, UserAgent: "wfh/test"}
}

func TestPostSigned(t *testing.T) {
	rc := newReceiver(t, "s3cret")
	body := []byte(`{"schema_version":"1.1"}` + "\n")
	p := fastPoster(rc.Client())
	err := p.Post(context.Background(), Request{URL: rc.URL + "/wfh?x=1", Body: body, Authorization: "Bearer t0ken", Secret: []byte("s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.bodies) != 1 || string(rc.bodies[0]) != string(body) || !rc.verified[0] {
		t.Fatalf("received %q, verified %v", rc.bodies, rc.verified)
	}
	h := rc.headers[0]
	if h.Get("Authorization") != "Bearer t0ken" || h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "wfh/test" ||
		len(h.Get(HeaderDelivery)) != 32 || !strings.HasPrefix(h.Get(HeaderSignature), "sha256=") {
		t.Errorf("headers %v", h)
	}
	// The signature is over timestamp "." body: a known vector (computed
	// with Python's hmac module and openssl dgst -hmac), which
	// docs/fleet.md gives so that a receiver in any language can test its
	// check against wfh.
	if got := Sign([]byte("s3cret"), 1764000000, []byte(`{"a":1}`)); got != "sha256=ece4ac47663d3ad88bb0892d55cacbb8177c0af8203f4a4e2e1e25c47ec628d5" {
		t.Errorf("Sign vector: %s", got)
	}
}

func TestPostReplayWindow(t *testing.T) {
	rc := newReceiver(t, "k")
	body := []byte("{}")
	// A report signed six minutes ago fails the receiver's check.
	p := fastPoster(rc.Client())
	p.Now = func() time.Time { return time.Now().Add(-6 * time.Minute) }
	p.Post(context.Background(), Request{URL: rc.URL, Body: body, Secret: []byte("k")})
	if rc.verified[0] {
		t.Error("a stale signature verified")
	}
	// A wrong secret fails it too.
	p.Now = nil
	p.Post(context.Background(), Request{URL: rc.URL, Body: body, Secret: []byte("other")})
	if rc.verified[1] {
		t.Error("a wrong secret verified")
	}
}

func TestPostRetries(t *testing.T) {
	rc := newReceiver(t, "k", 500, 503)
	p := fastPoster(rc.Client())
	if err := p.Post(context.Background(), Request{URL: rc.URL, Body: []byte("{}"), Secret: []byte("k")}); err != nil {
		t.Fatal(err)
	}
	if len(rc.bodies) != 3 {
		t.Fatalf("%d requests, want 3 (500, 503, then 204)", len(rc.bodies))
	}
	ids := map[string]bool{}
	for i, h := range rc.headers {
		ids[h.Get(HeaderDelivery)] = true
		if !rc.verified[i] {
			t.Errorf("attempt %d not signed", i+1)
		}
	}
	if len(ids) != 1 {
		t.Errorf("the delivery ID changed between attempts: %v", ids)
	}

	// Three failures: two retries, then the error says so.
	rc = newReceiver(t, "k", 500, 500, 500, 500)
	err := fastPoster(rc.Client()).Post(context.Background(), Request{URL: rc.URL, Body: []byte("{}")})
	var pe *Error
	if !errors.As(err, &pe) || pe.Attempts != 3 || err.Error() != "the receiver answered HTTP 500 Internal Server Error (after 3 attempts)" || len(rc.bodies) != 3 {
		t.Errorf("err %v after %d requests", err, len(rc.bodies))
	}

	// A refusal is final: retrying cannot fix a bad token.
	rc = newReceiver(t, "k", 401)
	err = fastPoster(rc.Client()).Post(context.Background(), Request{URL: rc.URL, Body: []byte("{}"), Authorization: "Bearer bad"})
	if err == nil || !strings.Contains(err.Error(), "401") || len(rc.bodies) != 1 || strings.Contains(err.Error(), "bad") {
		t.Errorf("401: %v after %d requests", err, len(rc.bodies))
	}
}

func TestPostStalledReceiver(t *testing.T) {
	release := make(chan struct{})
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	p := &Poster{Client: srv.Client(), AttemptTimeout: 300 * time.Millisecond, Budget: time.Second,
		Backoff: []time.Duration{50 * time.Millisecond}}
	start := time.Now()
	err := p.Post(context.Background(), Request{URL: srv.URL, Body: []byte("{}")})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "no answer within 300ms") {
		t.Errorf("err %v", err)
	}
	// The budget is the contract; the margin is for a busy machine.
	if took > p.Budget+2*time.Second {
		t.Errorf("took %s, budget %s", took, p.Budget)
	}
	if hits.Load() != 3 {
		t.Errorf("%d attempts, want 3", hits.Load())
	}
}

// TestPostRedirectNotFollowed: the report and its Authorization header
// never reach another host, whatever the receiver answers.
func TestPostRedirectNotFollowed(t *testing.T) {
	other := newReceiver(t, "k")
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/steal", status)
		}))
		client := srv.Client()
		client.Transport.(*http.Transport).TLSClientConfig.RootCAs.AddCert(other.Certificate())
		err := fastPoster(client).Post(context.Background(), Request{URL: srv.URL, Body: []byte("{}"), Authorization: "Bearer t0ken"})
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), "a redirect to https://127.0.0.1") || !strings.Contains(err.Error(), "does not follow") {
			t.Errorf("%d: %v", status, err)
		}
		if strings.Contains(err.Error(), "steal") {
			t.Errorf("the error shows the redirect's path: %v", err)
		}
	}
	if len(other.bodies) != 0 {
		t.Errorf("the other host received %d requests", len(other.bodies))
	}
}

func TestPostUnreachable(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	client, addr := srv.Client(), srv.URL
	srv.Close()
	err := fastPoster(client).Post(context.Background(), Request{URL: addr, Body: []byte("{}"), Authorization: "Bearer t0ken"})
	if err == nil || !strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "t0ken") || strings.Contains(err.Error(), addr) {
		t.Errorf("err %v", err)
	}
}

// Package reportpost sends a report to IT's web address (wfh doctor --post,
// report.post_url): one POST of the JSON body, signed, retried twice, never
// redirected. docs/fleet.md ("Webhook") is the receiver's side of this
// contract.
package reportpost

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Header names of the contract.
const (
	// HeaderTimestamp is the Unix time, in seconds, the request was signed.
	HeaderTimestamp = "X-WFH-Timestamp"
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256, keyed with the
	// shared secret, of the timestamp, ".", and the body.
	HeaderSignature = "X-WFH-Signature"
	// HeaderDelivery is a random ID that stays the same across the
	// attempts of one report, so that a receiver can drop a duplicate
	// when an answer was lost and the report was sent again.
	HeaderDelivery = "X-WFH-Delivery"
)

// Defaults of the contract, each with the reason for its value.
const (
	// DefaultAttempts is the first try and two retries: enough to ride
	// out a receiver's restart or a dropped Wi-Fi packet, few enough that
	// a receiver that is down costs the run little.
	DefaultAttempts = 3
	// DefaultAttemptTimeout bounds one attempt: a report is tens of
	// kilobytes, which even a 1 Mbit/s uplink sends in a second, and a
	// receiver answers at once; 10 s covers a slow TLS handshake through a
	// VPN too.
	DefaultAttemptTimeout = 10 * time.Second
	// DefaultBudget bounds all attempts and the waits between them, so
	// that a stalled receiver never holds a run (and a person at the
	// terminal) longer than this after the report is written.
	DefaultBudget = 30 * time.Second
	// maxResponseBody is how much of an answer is read: the status is what
	// counts, and a receiver's error page is cut to one line anyway.
	maxResponseBody = 4 << 10
)

// DefaultBackoff is the wait before the second and the third attempt.
var DefaultBackoff = []time.Duration{time.Second, 2 * time.Second}

// Request is one report to send.
type Request struct {
	// URL is the receiver's address.
	URL string
	// Body is the JSON report, sent byte for byte.
	Body []byte
	// Authorization is the Authorization header's value; empty sends none.
	Authorization string
	// Secret signs the request; empty sends no signature headers.
	Secret []byte
}

// Poster sends reports. The zero value uses the defaults above.
type Poster struct {
	// Client sends the requests; nil means a client with the system's
	// roots. Its redirect policy is replaced: redirects are never
	// followed, so the report and its Authorization header go nowhere but
	// the address IT configured.
	Client         *http.Client
	Attempts       int
	AttemptTimeout time.Duration
	Budget         time.Duration
	Backoff        []time.Duration
	// Now stamps the signature; nil means time.Now.
	Now func() time.Time
	// UserAgent is sent with every request.
	UserAgent string
}

// Error says why a report could not be sent, without the address's
// credentials or query and without the Authorization header.
type Error struct {
	Attempts int
	Reason   string
}

func (e *Error) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("%s (after %d attempts)", e.Reason, e.Attempts)
	}
	return e.Reason
}

// Sign returns the signature header's value for a body sent at ts: the
// hex HMAC-SHA256 of "<ts>.<body>" keyed with secret, after "sha256=".
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Post sends r, retrying a failure that may pass (no answer, 408, 429 or
// a 5xx) after each backoff, within the budget.
func (p *Poster) Post(ctx context.Context, r Request) error {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	perAttempt := p.AttemptTimeout
	if perAttempt <= 0 {
		perAttempt = DefaultAttemptTimeout
	}
	budget := p.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	backoff := p.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	u, err := url.Parse(r.URL)
	if err != nil || u.Host == "" {
		return &Error{Attempts: 0, Reason: "the address is not a web address"}
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()

	delivery := newDeliveryID()
	client := p.client()
	var last string
	tried := 0
	for i := 0; i < attempts; i++ {
		if i > 0 {
			wait := backoff[min(i-1, len(backoff)-1)]
			select {
			case <-ctx.Done():
				return &Error{Attempts: tried, Reason: last}
			case <-time.After(wait):
			}
		}
		tried++
		retry, reason := p.attempt(ctx, client, u, r, delivery, perAttempt)
		if reason == "" {
			return nil
		}
		last = reason
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return &Error{Attempts: tried, Reason: last}
}

// attempt sends once. It returns "" on success, else why, and whether a
// new attempt may succeed.
func (p *Poster) attempt(ctx context.Context, client *http.Client, u *url.URL, r Request, delivery string, timeout time.Duration) (retry bool, reason string) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, u.String(), bytes.NewReader(r.Body))
	if err != nil {
		return false, "cannot build the request: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if p.UserAgent != "" {
		req.Header.Set("User-Agent", p.UserAgent)
	}
	req.Header.Set(HeaderDelivery, delivery)
	if r.Authorization != "" {
		req.Header.Set("Authorization", r.Authorization)
	}
	if len(r.Secret) > 0 {
		// Signed per attempt, so that a retry is inside the receiver's
		// replay window however long the first attempt took.
		ts := p.now().Unix()
		req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(HeaderSignature, Sign(r.Secret, ts, r.Body))
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || actx.Err() != nil {
			return ctx.Err() == nil, fmt.Sprintf("no answer within %s", timeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the address, with what it may hold, is the caller's to show
		}
		return true, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, ""
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		where := ""
		if loc, err := resp.Location(); err == nil {
			where = " to " + loc.Scheme + "://" + loc.Host
		}
		return false, fmt.Sprintf("the receiver answered HTTP %s, a redirect%s, which wfh does not follow: set the final address", resp.Status, where)
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return true, "the receiver answered HTTP " + resp.Status
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		return false, "the receiver answered HTTP " + resp.Status + ": check the token and secret set for report.post_authorization_env and report.post_secret_env"
	}
	return false, "the receiver answered HTTP " + resp.Status
}

func (p *Poster) client() *http.Client {
	c := http.Client{}
	if p.Client != nil {
		c = *p.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Timeout = 0 // each attempt has its own deadline
	return &c
}

func (p *Poster) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func newDeliveryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

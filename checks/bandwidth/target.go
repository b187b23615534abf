package bandwidth

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/showwin/speedtest-go/speedtest"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/rttstats"
)

// target is the server the transfers go to.
type target struct {
	upload *url.URL // its upload.php; the other files sit beside it
	host   string   // host[:port], for the report
	// wfhServe is set when the server says it is wfh serve, which takes
	// larger upload bodies than public servers.
	wfhServe bool
	name     string // "Sponsor (City)" for a listed server, else empty
	source   string // "profile" or "nearest"
	rtt      time.Duration
	tried    []candidate // the servers compared when discovering
	// counted is set when the connections that found the server had the
	// kernel's byte counters, so the transfers will too.
	counted bool
}

// candidate is one server tried during discovery.
type candidate struct {
	host, name string
	rtt        time.Duration
	wfhServe   bool
	problem    *problem
}

// problem says in plain words why a server could not be used.
type problem struct {
	// kind is a stable word for scripts: timeout, refused, unreachable,
	// dns_failed, tls_error, redirect, http_status, not_speedtest,
	// reset, closed_early, no_data.
	kind string
	msg  string
}

func (p *problem) Error() string { return p.msg }

// ioBuffer sizes the transports' buffers and the download reads.
const ioBuffer = 128 << 10

// userAgent names wfh to server operators reading their logs.
const userAgent = "wfh-bandwidth-check"

// uaTransport sets the User-Agent on every request, including those
// speedtest-go makes through the client.
type uaTransport struct{ base http.RoundTripper }

func (t uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", userAgent)
	return t.base.RoundTrip(r)
}

// newClient builds an HTTP client whose every connection is counted by m.
// It never follows redirects (a speed-test server does not redirect, and
// a captive portal or filter does), never asks for compression (the wire
// bytes are what is measured) and speaks HTTP/1.1 only, one transfer per
// connection, as speed-test clients do.
func newClient(m *meter, env *checks.Env, conns int, timeout time.Duration) (*http.Client, *http.Transport) {
	tr := &http.Transport{
		DialContext:           m.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: env.Roots},
		TLSHandshakeTimeout:   tlsTimeout,
		ResponseHeaderTimeout: responseHeaderTimeout,
		DisableCompression:    true,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		MaxConnsPerHost:       conns,
		IdleConnTimeout:       10 * time.Second,
		// Large buffers: at 300 Mbit/s the default 4 kB means tens of
		// thousands of system calls a second, CPU a busy laptop lacks.
		WriteBufferSize:   ioBuffer,
		ReadBufferSize:    ioBuffer,
		ForceAttemptHTTP2: false,
		TLSNextProto:      map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	return &http.Client{
		Transport:     uaTransport{tr},
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, tr
}

// dialer returns the Env's dialer bounded by dialTimeout.
func dialer(env *checks.Env) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d checks.Dialer = &net.Dialer{}
	if env.Dialer != nil {
		d = env.Dialer
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, dialTimeout)
		defer cancel()
		return d.DialContext(ctx, network, addr)
	}
}

// serverHeader is what wfh serve puts in its Server header.
const serverHeader = "wfh-serve"

// probe fetches latency.txt beside upload.php and checks that the answer
// is a speed-test server's ("test=test"). It returns the time to the
// response headers and whether the server is wfh serve.
func probe(ctx context.Context, client *http.Client, upload *url.URL) (time.Duration, bool, *problem) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fileURL(upload, "latency.txt"), nil)
	if err != nil {
		return 0, false, &problem{kind: "not_speedtest", msg: "its address cannot be used: " + err.Error()}
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, false, describe(ctx, err)
	}
	rtt := time.Since(start)
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		to := resp.Header.Get("Location")
		if u, err := url.Parse(to); err == nil && u.Host != "" {
			to = u.Host
		}
		return 0, false, &problem{kind: "redirect", msg: fmt.Sprintf("it redirects elsewhere (HTTP %d to %s), as captive portals and filters do", resp.StatusCode, quoteShort(to))}
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		// No "?token=" in these messages: redaction would take it, and
		// what follows it, for a secret.
		msg := "the server may need a token; add it to the address in bandwidth.server as the query parameter named token"
		if upload.Query().Get("token") != "" || strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			msg = "the token in the address in bandwidth.server is not the server's; ask IT for the current one"
		}
		return 0, false, &problem{kind: "http_status", msg: fmt.Sprintf("it refused the test (HTTP %d): %s", resp.StatusCode, msg)}
	case resp.StatusCode != http.StatusOK:
		return 0, false, &problem{kind: "http_status", msg: fmt.Sprintf("it answered HTTP %d instead of a speed-test file", resp.StatusCode)}
	case !bytes.HasPrefix(bytes.TrimSpace(body), []byte("test=test")):
		what := "something that is not a speed-test answer"
		if isHTML(resp.Header.Get("Content-Type"), body) {
			what = "a web page"
		}
		return 0, false, &problem{kind: "not_speedtest", msg: "it answered with " + what + ", not a speed-test server's files"}
	}
	return rtt, resp.Header.Get("Server") == serverHeader, nil
}

func isHTML(contentType string, body []byte) bool {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "text/html") {
		return true
	}
	b := bytes.ToLower(bytes.TrimSpace(body))
	return bytes.HasPrefix(b, []byte("<!doctype html")) || bytes.HasPrefix(b, []byte("<html"))
}

func quoteShort(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// netErrWords words a transport error for the speed-test server, as the
// end of "the server …: <phrase>".
var netErrWords = probeutil.NetErrWords{
	probeutil.NetErrOther:           "it could not be reached",
	probeutil.NetErrTimeout:         "it did not answer in time",
	probeutil.NetErrStopped:         "the test was stopped before it answered",
	probeutil.NetErrNoSuchHost:      "its name could not be looked up",
	probeutil.NetErrLookup:          "its name could not be looked up",
	probeutil.NetErrRefused:         "it refused the connection (nothing listens on that port)",
	probeutil.NetErrUnreachable:     "there is no route to it",
	probeutil.NetErrHostUnreachable: "there is no route to it",
	probeutil.NetErrTLS:             "its secure connection could not be verified",
	probeutil.NetErrReset:           "it closed the connection without answering",
}

// problemKinds are the values of the fact "problem" (docs/checks.md) for
// each kind of transport error.
var problemKinds = map[probeutil.NetErrKind]string{
	probeutil.NetErrTimeout:    "timeout",
	probeutil.NetErrNoSuchHost: "dns_failed",
	probeutil.NetErrLookup:     "dns_failed",
	probeutil.NetErrRefused:    "refused",
	probeutil.NetErrTLS:        "tls_error",
	probeutil.NetErrReset:      "reset",
}

// describe turns a transport error into a plain-language problem; a
// deadline of ctx makes any error a timeout.
func describe(ctx context.Context, err error) *problem {
	k := probeutil.ClassifyNetErr(err)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		k = probeutil.NetErrTimeout
	}
	kind := problemKinds[k]
	if kind == "" {
		kind = "unreachable"
	}
	return &problem{kind: kind, msg: netErrWords.Phrase(k)}
}

// hostOf is the host[:port] shown in the report; a token in the query
// never is.
func hostOf(u *url.URL) string { return u.Host }

// discover fetches the server list and picks the nearest server by round
// trip among the first few.
func (c *check) discover(ctx context.Context, env *checks.Env, client *http.Client) (*target, *problem) {
	lctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(lctx, http.MethodGet, c.cfg.listURL, nil)
	if err != nil {
		return nil, &problem{kind: "no_list", msg: "the server list address is not usable: " + err.Error()}
	}
	resp, err := client.Do(req)
	if err != nil {
		p := describe(lctx, err)
		return nil, &problem{kind: "no_list", msg: "the list of speed-test servers could not be fetched: " + p.msg}
	}
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxListBytes))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &problem{kind: "no_list", msg: fmt.Sprintf("the list of speed-test servers could not be fetched: HTTP %d", resp.StatusCode)}
	}
	if rerr != nil {
		return nil, &problem{kind: "no_list", msg: "the list of speed-test servers could not be read: " + describe(lctx, rerr).msg}
	}
	servers, err := parseServerList(data)
	if err != nil {
		return nil, &problem{kind: "no_list", msg: err.Error()}
	}
	if len(servers) > maxCandidates {
		servers = servers[:maxCandidates]
	}
	env.Progress(fmt.Sprintf("choosing the nearest of %d servers", len(servers)))
	tried := make([]candidate, len(servers))
	uploads := make([]*url.URL, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		u, _ := uploadURL(s.URL) // parseServerList kept only usable ones
		uploads[i] = u
		tried[i] = candidate{host: hostOf(u), name: serverName(s)}
		wg.Go(func() {
			tried[i].rtt, tried[i].wfhServe, tried[i].problem = probe(ctx, client, u)
		})
	}
	wg.Wait()
	best := -1
	for i, cd := range tried {
		if cd.problem == nil && (best < 0 || cd.rtt < tried[best].rtt) {
			best = i
		}
	}
	if best < 0 {
		return &target{source: "nearest", tried: tried}, &problem{kind: "no_server",
			msg: fmt.Sprintf("none of the %d nearest speed-test servers answered", len(tried))}
	}
	return &target{upload: uploads[best], host: tried[best].host, name: tried[best].name,
		source: "nearest", rtt: tried[best].rtt, wfhServe: tried[best].wfhServe, tried: tried}, nil
}

func serverName(s *speedtest.Server) string {
	var parts []string
	if s.Sponsor != "" && s.Sponsor != "?" {
		parts = append(parts, s.Sponsor)
	}
	if s.Name != "" && s.Name != "?" {
		parts = append(parts, "("+s.Name+")")
	}
	return strings.Join(parts, " ")
}

// idle measures the idle round trip with speedtest-go's HTTP ping (GETs
// of latency.txt on one kept-alive connection, the first one discarded as
// it includes the connection set-up).
func idle(ctx context.Context, client *http.Client, upload *url.URL) latency {
	ctx, cancel := context.WithTimeout(ctx, latencyTimeout)
	defer cancel()
	st := speedtest.New(speedtest.WithDoer(client))
	srv := &speedtest.Server{URL: upload.String(), Host: upload.Host, ID: "wfh", Context: st}
	ns, err := srv.HTTPPing(ctx, latencySamples, latencyInterval, nil)
	var rtts []time.Duration
	for _, v := range ns {
		if v > 0 {
			rtts = append(rtts, time.Duration(v))
		}
	}
	if len(rtts) == 0 {
		why := "the server did not answer the latency requests"
		if err != nil && ctx.Err() == nil {
			why += " (" + netErrWords.Phrase(probeutil.ClassifyNetErr(err)) + ")"
		}
		return latency{note: why}
	}
	return summarize(rtts)
}

// latency is the idle round trip to the server.
type latency struct {
	median, jitter time.Duration
	samples        []time.Duration
	note           string // why it was not measured
}

// summarize computes the median and the jitter (see rttstats.Jitter: the
// mean absolute difference of consecutive samples) of answered round trips.
func summarize(rtts []time.Duration) latency {
	l := latency{samples: rtts}
	l.median, _ = rttstats.Median(rtts)
	l.jitter, _ = rttstats.Jitter(rtts) // 0 with a single sample
	return l
}

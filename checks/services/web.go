package services

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/checks/probeutil"
)

// The web kinds are proven with one HTTP/1.1 request over a verified TLS
// connection, written and read here rather than through net/http's client
// so that the connection's route and every step's time are the probe's
// own, and no proxy is used: company services are reached the way the
// service's own client reaches them.

// maxHeader bounds a response's headers.
const maxHeader = 32 << 10

// webAnswer is a response's status line and the headers a verdict reads.
type webAnswer struct {
	Status   int
	Text     string // "404 Not Found"
	Location string
	// Auth lists the schemes of WWW-Authenticate ("Negotiate", "NTLM").
	Auth []string
	// Server is the Server header, cleaned.
	Server string
	// Cookies lists the names of the cookies set.
	Cookies []string
}

// webExchange dials the service (port), completes a verified TLS
// handshake for its host, sends one request and reads the response's
// headers. It fills r's route, times and TLS outcome, and returns false
// with r's outcome set when it got no HTTP answer.
func (p *prober) webExchange(ctx context.Context, r *result, port int, method, path string, headers [][2]string) (webAnswer, bool) {
	d, ok := p.connect(ctx, r, port)
	if !ok {
		return webAnswer{}, false
	}
	defer d.conn.Close()
	defer closeOnDone(ctx, d.conn)()
	host := r.Svc.End.Host
	t := p.handshake(ctx, d.conn, host, true)
	if t.conn == nil || t.out != "" {
		r.Out, r.Detail = t.out, t.detail
		if t.out.certificate() {
			r.Expires = t.expires
		}
		return webAnswer{}, false
	}
	r.Expires = t.expires
	r.attr("tls_version", t.version)
	hostHeader := host
	if strings.Contains(host, ":") {
		hostHeader = "[" + host + "]"
	}
	if port != 443 {
		hostHeader += ":" + strconv.Itoa(port)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, hostHeader)
	for _, h := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	deadline(ctx, t.conn)
	if _, err := io.WriteString(t.conn, b.String()); err != nil {
		r.Out, r.Detail = p.answerErr(ctx, err)
		return webAnswer{}, false
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(&limitedConn{Conn: t.conn, left: maxHeader}, 4096), &http.Request{Method: method})
	if err != nil {
		p.env.Debugf("%s: %s %s: %v", r.Svc.Name, method, path, err)
		out, detail := p.answerErr(ctx, err)
		switch out {
		case outStalled:
			detail = "the secure connection works, but no answer to the request came in time"
		case outClosed:
			detail = "the secure connection works, but the server closed it without answering the request"
		case outUnreachable, outTLSError:
			out, detail = outNotService, "the secure connection works, but the answer to the request is not HTTP"
		}
		r.Out, r.Detail = out, detail
		return webAnswer{}, false
	}
	// The body is left unread: closing it would read it to its end, and
	// the connection is closed on return anyway.
	a := webAnswer{Status: resp.StatusCode, Text: cleanWord(resp.Status, 60), Server: cleanWord(resp.Header.Get("Server"), 60)}
	if loc := resp.Header.Get("Location"); loc != "" {
		a.Location = redirectTarget(path, host, loc)
	}
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if scheme, _, _ := strings.Cut(strings.TrimSpace(v), " "); scheme != "" {
			a.Auth = append(a.Auth, cleanWord(scheme, 30))
		}
	}
	for _, c := range resp.Cookies() {
		a.Cookies = append(a.Cookies, c.Name)
	}
	r.HTTPStatus = a.Status
	r.attr("http_status", strconv.Itoa(a.Status))
	return a, true
}

// redirectTarget keeps scheme, host and path of a Location: a query may
// carry a session token.
func redirectTarget(path, host, loc string) string {
	base := &url.URL{Scheme: "https", Host: host, Path: path}
	u, err := base.Parse(loc)
	if err != nil {
		return probeutil.CleanText(loc, 100)
	}
	return probeutil.CleanText(u.Scheme+"://"+u.Host+u.EscapedPath(), 160)
}

// userAgent names wfh in the web kinds' requests, so a server's log says
// who asked.
const userAgent = "wfh (services check)"

// probeHTTPS proves a web service: verified TLS, then a GET of its path.
func (p *prober) probeHTTPS(ctx context.Context, r *result) {
	p.webPage(ctx, r, "web service")
}

// webPage sends a GET of the service's path and judges the status: any
// answer but a server error proves the service; a redirect is named.
func (p *prober) webPage(ctx context.Context, r *result, what string) (webAnswer, bool) {
	a, ok := p.webExchange(ctx, r, r.Svc.End.Port, http.MethodGet, r.Svc.End.Path,
		[][2]string{{"User-Agent", userAgent}, {"Accept", "*/*"}, {"Connection", "close"}})
	if !ok {
		return a, false
	}
	switch {
	case a.Status >= 500:
		r.Out, r.Answer = outHTTPError, fmt.Sprintf("%s, answers with an error (%s)", what, a.Text)
		r.Detail = fmt.Sprintf("the server answered with an error (%s)", a.Text)
	case a.Status >= 300 && a.Status < 400 && a.Location != "":
		r.Out, r.Answer = outOK, fmt.Sprintf("%s, answers %s, redirecting to %s", what, a.Text, a.Location)
		r.attr("redirect_to", a.Location)
	default:
		r.Out, r.Answer = outOK, fmt.Sprintf("%s, answers %s", what, a.Text)
	}
	return a, true
}

// gatewayPath is the path of the Remote Desktop Gateway's HTTP transport
// ([MS-TSGU] 2.2.3.3 and 3.3.5.1; Windows' client and FreeRDP use it).
const gatewayPath = "/remoteDesktopGateway/"

// probeGateway proves a Remote Desktop Gateway: a verified TLS handshake,
// then the HTTP transport's first request, RDG_OUT_DATA on the gateway's
// path with the headers Windows' client sends and no credentials. A
// gateway answers it as the start of its sign-in: 401 with the methods it
// accepts in WWW-Authenticate (Negotiate and NTLM on Windows' gateway).
// A plain web server answers the unknown method or path with 404, 405 or
// 501; one that redirects sends the client to a page it cannot follow.
func (p *prober) probeGateway(ctx context.Context, r *result) {
	a, ok := p.webExchange(ctx, r, r.Svc.End.Port, "RDG_OUT_DATA", gatewayPath, [][2]string{
		{"Accept", "*/*"}, {"Cache-Control", "no-cache"}, {"Pragma", "no-cache"}, {"Connection", "Keep-Alive"},
		{"User-Agent", "MS-RDGateway/1.0"}, {"RDG-Connection-Id", "{" + newGUID() + "}"}, {"Content-Length", "0"},
	})
	if !ok {
		if r.Out == outStalled || r.Out == outClosed {
			// Windows' gateway is known to close, not answer, a request it
			// dislikes (FreeRDP's rdg.c); the TLS part still proves a web
			// server there.
			r.Out = outNotService
			r.Detail = "the secure connection works, but the server did not answer the gateway's request: it may not be a Remote Desktop Gateway"
		}
		return
	}
	switch {
	case a.Status == http.StatusUnauthorized && len(a.Auth) > 0:
		r.Out = outOK
		r.Answer = "Remote Desktop Gateway, asks for sign-in (" + strings.Join(a.Auth, ", ") + ")"
		r.attr("gateway_auth", strings.Join(a.Auth, ", "))
	case a.Status == http.StatusOK || a.Status == http.StatusSwitchingProtocols:
		r.Out = outOK
		r.Answer = fmt.Sprintf("Remote Desktop Gateway, accepts the gateway's request (%s)", a.Text)
	case a.Status >= 300 && a.Status < 400:
		r.Out = outNotService
		r.Detail = fmt.Sprintf("a web server answers, but not as a Remote Desktop Gateway: it redirects the gateway's request (%s) to %s", a.Text, orNone(a.Location))
	case a.Status >= 500 && a.Status != http.StatusNotImplemented:
		r.Out = outHTTPError
		r.Answer = "a web server that answers with an error"
		r.Detail = fmt.Sprintf("the server answered the gateway's request with an error (%s)", a.Text)
	default:
		r.Out = outNotService
		r.Detail = fmt.Sprintf("a web server answers, but not as a Remote Desktop Gateway (%s for the gateway's request)", a.Text)
	}
}

func orNone(s string) string {
	if s == "" {
		return "nowhere"
	}
	return s
}

// newGUID returns a random GUID's text, as RDG-Connection-Id carries.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

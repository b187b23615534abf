package dns

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// noUDP is a dialer on a system that cannot open UDP sockets: Go 1.26
// under Wine 8.0 fails every UDP socket at WSAIoctl(SIO_UDP_NETRESET)
// with WSAEOPNOTSUPP, before a packet is sent (see udpUnavailable).
type noUDP struct{ *fakeNet }

func (n noUDP) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if network == "udp" {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("wsaioctl", syscall.Errno(10045))}
	}
	return n.fakeNet.DialContext(ctx, network, address)
}

// rawPlatformText is what a report must never carry: Go's text for a
// Windows code it cannot name, Winsock names, and Windows' or Wine's own
// (localised) messages for the codes.
var rawPlatformText = regexp.MustCompile(`(?i)winapi error|#1\d{3,4}\b|WSAE|wsaioctl|getaddrinfow|Nonauthoritative|No such host is known|actively refused`)

func TestQueriesGoOverTCPWhereUDPSocketsFail(t *testing.T) {
	n := newFakeNet()
	n.serveTCP(router, slowly(20*time.Millisecond, zone(testNames)))
	r := ask(t.Context(), noUDP{n}, netip.MustParseAddrPort(router), "one.wfh.test", 1)
	if r.err != nil || r.msg == nil || len(r.msg.Answer) != 1 {
		t.Fatalf("ask over TCP: %+v", r)
	}
	if r.rtt < 20*time.Millisecond || r.rtt > time.Second {
		t.Errorf("rtt %v, want the server's 20 ms and no more than a busy machine adds", r.rtt)
	}
	if n.count(router) != 1 {
		t.Errorf("%d TCP connections, want 1", n.count(router))
	}

	// A server that is not there over TCP either is reported in words.
	r = ask(t.Context(), noUDP{n}, netip.MustParseAddrPort(provider), "one.wfh.test", 1)
	out, detail := classifyErr(r.err, r.rtt)
	if out != outUnreachable || rawPlatformText.MatchString(detail) {
		t.Errorf("outcome %s %q", out, detail)
	}
}

// The whole check on such a system: servers found and tested over TCP,
// and no raw platform text anywhere in the result.
func TestCheckWithoutUDPHasNoRawPlatformText(t *testing.T) {
	s := newScene().uses(router)
	s.net.serveTCP(router, zone(testNames))
	s.net.serveTCP(publicDNS, zone(testNames))
	// The OS resolver fails the way Go's resolver on Windows does offline:
	// WSATRY_AGAIN, kept only as the system's text for it.
	s.pathFails(&net.DNSError{Err: "getaddrinfow: " + syscall.Errno(11002).Error(), Name: "one.wfh.test"})
	c := &check{label: randomLabel}
	env := &checks.Env{Dialer: noUDP{s.net}, Resolver: s.res, Profile: s.prof, OS: "windows", Net: dnsState(s.cfg, s.derr)}
	res := c.Run(t.Context(), env)
	reportschema.CheckResults(t, "dns", "DNS (name lookups)", []report.Result{res})
	b, _ := json.Marshal(res)
	if m := rawPlatformText.Find(b); m != nil {
		t.Errorf("raw platform text %q in %s", m, b)
	}
	if it, ok := item(res, "192.168.1.1"); !ok || it.Attributes["outcome"] != "ok" {
		t.Errorf("the router's server over TCP: %+v", it)
	}
	if it, ok := item(res, "one.wfh.test"); !ok || it.Status == report.Pass {
		t.Errorf("system lookup: %+v", it)
	}
}

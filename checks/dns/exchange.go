package dns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/neterr"
)

const (
	// firstTry and secondTry are how long one query waits for its reply.
	// A resolver on the home router or at the provider answers in
	// milliseconds; 1 s is also when Windows' DNS client gives up on its
	// first try (Microsoft Learn, "DNS client resolution timeouts"). One
	// retry keeps a single lost UDP packet on Wi-Fi from reading as a dead
	// server; 2.5 s in all leaves half of the check's budget for finding
	// the servers and reporting.
	firstTry  = 1 * time.Second
	secondTry = 1500 * time.Millisecond
	// maxReply bounds a reply read: ours ask for one A record and carry no
	// EDNS, so a correct reply fits in 512 bytes (RFC 1035); a larger read
	// buffer only lets a broken server's garbage be recognised as such.
	maxReply = 4096
)

// reply is what one question to one server got.
type reply struct {
	msg *mdns.Msg // nil when nothing usable came back
	// rtt runs from the first try's send to the reply, so a reply that
	// needed the retry counts the wait for the lost first one too.
	rtt time.Duration
	err error
}

// mismatchError is a reply that does not belong to the query: another ID,
// or another question. Each query uses a fresh socket, so a stray reply
// to an earlier query cannot explain it.
type mismatchError struct{ detail string }

func (e *mismatchError) Error() string { return e.detail }

// badReplyError is a reply that cannot be read as a DNS message.
type badReplyError struct{ err error }

func (e *badReplyError) Error() string { return "unreadable reply: " + e.err.Error() }

// ask sends one question to server over UDP through d, with one retry on
// timeout, and over TCP when the UDP reply is truncated, or when this
// system cannot open a UDP socket at all (see udpUnavailable).
func ask(ctx context.Context, d checks.Dialer, server netip.AddrPort, name string, qtype uint16) reply {
	if d == nil {
		return reply{err: errors.New("no network access (no dialer)")}
	}
	start := time.Now()
	var r reply
	for _, limit := range []time.Duration{firstTry, secondTry} {
		q := new(mdns.Msg)
		q.SetQuestion(mdns.Fqdn(name), qtype) // a fresh random ID for each try
		var opened time.Time
		r.msg, opened, r.err = exchange(ctx, d, "udp", server, q, limit)
		tcp := r.err == nil && r.msg.Truncated
		if udpUnavailable(r.err) {
			// Over TCP the connection's setup is not the server's
			// answer: time the query from the open connection, so that
			// the figure is one round trip, as over UDP. Every DNS
			// server must answer over TCP (RFC 7766).
			r.msg, opened, r.err = exchange(ctx, d, "tcp", server, q, limit)
			r.rtt = time.Since(opened)
			if opened.IsZero() {
				r.rtt = time.Since(start)
			}
		} else if tcp {
			r.msg, _, r.err = exchange(ctx, d, "tcp", server, q, limit)
			r.rtt = time.Since(start)
		} else {
			r.rtt = time.Since(start)
		}
		if !probeutil.IsTimeout(r.err) || ctx.Err() != nil {
			break
		}
	}
	return r
}

// errUDPUnavailable: this system refused to open a UDP socket.
var errUDPUnavailable = errors.New("this system cannot open a UDP socket")

// udpUnavailable reports whether err says that the system cannot make a
// UDP socket, as opposed to the network or the server failing.
//
// Wine 8.0 is such a system. Go's net package, when it creates any UDP
// socket on Windows (net/fd_windows.go, netFD.init), turns off two
// Winsock behaviours with WSAIoctl: SIO_UDP_CONNRESET and, since the fix
// for go.dev/issue/68614, SIO_UDP_NETRESET, and fails the dial or listen
// when either call fails. Wine 8.0 does not implement SIO_UDP_NETRESET
// and answers WSAEOPNOTSUPP (10045), so under Wine every UDP socket of a
// Go 1.26 program fails before a packet is sent: the "winapi error
// #10045" of a DNS query. wfh sets no socket option of its own here (a
// plain Dial, no Control function, and none of miekg/dns's client or
// server code, whose UDP options are its server's), so nothing in wfh
// can avoid it, and TCP is the portable way to ask.
//
// Real Windows does not fail this way: SIO_UDP_NETRESET is one of the
// Winsock IOCTLs Microsoft documents (Windows 8 and later), Go 1.26 runs
// only on Windows 10 and later, and Go's own tests, run on Windows, make
// that call for every UDP socket they open. So on Windows the queries go
// over UDP as everywhere else; this path is for Wine and any other
// emulation that lacks the call. (Windows does differ in its error
// codes, which probeutil.ClassifyNetErr knows and DescribeNetErr words.)
func udpUnavailable(err error) bool {
	return errors.Is(err, errUDPUnavailable)
}

// exchange sends q and reads its reply on a fresh connection, bounded by
// limit and by ctx. opened is when the connection was ready (zero when
// it was not).
func exchange(ctx context.Context, d checks.Dialer, network string, server netip.AddrPort, q *mdns.Msg, limit time.Duration) (_ *mdns.Msg, opened time.Time, _ error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	conn, err := d.DialContext(ctx, network, server.String())
	if err != nil {
		if network == "udp" && neterr.Unsupported(err) {
			return nil, opened, fmt.Errorf("%w: %w", errUDPUnavailable, err)
		}
		return nil, opened, err
	}
	opened = time.Now()
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl) // a conn without deadlines still ends at ctx, below
	}
	// Ends a read blocked on a conn that ignores deadlines, and a read
	// still waiting when the check's own context is cancelled.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	wire, err := q.Pack()
	if err != nil {
		return nil, opened, fmt.Errorf("build the query: %w", err)
	}
	var r *mdns.Msg
	if network == "tcp" {
		dc := &mdns.Conn{Conn: conn}
		if err := dc.WriteMsg(q); err != nil {
			return nil, opened, ctxErr(ctx, err)
		}
		r, err = dc.ReadMsg()
		if err != nil && r == nil {
			return nil, opened, ctxErr(ctx, err)
		}
		if err != nil {
			return nil, opened, &badReplyError{err}
		}
	} else {
		if _, err := conn.Write(wire); err != nil {
			return nil, opened, ctxErr(ctx, err)
		}
		buf := make([]byte, maxReply)
		n, err := conn.Read(buf)
		if err != nil {
			return nil, opened, ctxErr(ctx, err)
		}
		r = new(mdns.Msg)
		if err := r.Unpack(buf[:n]); err != nil {
			return nil, opened, &badReplyError{err}
		}
	}
	if err := matches(q, r); err != nil {
		return r, opened, err
	}
	return r, opened, nil
}

// ctxErr prefers the context's reason when it ended the read (the
// AfterFunc closed the connection, which reads as "use of closed
// connection").
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// matches checks that r answers q: same ID, same question. A reply that
// carries no question is accepted only with an error code, which some
// servers send that way.
func matches(q, r *mdns.Msg) error {
	if r.Id != q.Id {
		return &mismatchError{fmt.Sprintf("the reply's ID %d does not match the query's %d", r.Id, q.Id)}
	}
	if !r.Response {
		return &mismatchError{"the reply is not marked as a response"}
	}
	if len(r.Question) == 0 {
		if r.Rcode == mdns.RcodeSuccess {
			return &mismatchError{"the reply does not repeat the question"}
		}
		return nil
	}
	want, got := q.Question[0], r.Question[0]
	if len(r.Question) != 1 || !strings.EqualFold(want.Name, got.Name) || want.Qtype != got.Qtype || want.Qclass != got.Qclass {
		return &mismatchError{fmt.Sprintf("the reply answers another question (%s %s instead of %s %s)",
			strings.TrimSuffix(got.Name, "."), mdns.TypeToString[got.Qtype], strings.TrimSuffix(want.Name, "."), mdns.TypeToString[want.Qtype])}
	}
	return nil
}

// netErrWords words a failed query for a DNS server's address; a kind
// left out takes probeutil's default.
var netErrWords = probeutil.NetErrWords{
	probeutil.NetErrStopped:         "stopped before an answer came",
	probeutil.NetErrRefused:         "nothing answers DNS at this address: port unreachable",
	probeutil.NetErrUnreachable:     "no route to this address: network unreachable",
	probeutil.NetErrHostUnreachable: "the address cannot be reached: host unreachable",
	probeutil.NetErrLookup:          "the DNS server gave no usable answer",
	probeutil.NetErrOther:           "the query failed",
}

// classifyErr turns a failed exchange into an outcome and a short reason.
func classifyErr(err error, waited time.Duration) (outcome, string) {
	var mm *mismatchError
	var br *badReplyError
	switch {
	case errors.As(err, &mm):
		return outWrong, mm.detail
	case errors.As(err, &br):
		return outFailed, br.Error()
	}
	k, detail := probeutil.DescribeNetErr(err, netErrWords)
	switch k {
	case probeutil.NetErrTimeout:
		return outTimeout, fmt.Sprintf("no answer within %s", seconds(waited))
	case probeutil.NetErrStopped:
		return outTimeout, detail
	case probeutil.NetErrRefused, probeutil.NetErrUnreachable, probeutil.NetErrHostUnreachable:
		return outUnreachable, detail
	}
	return outFailed, detail
}

// seconds renders a wait the way people say it: "2.5 s", "0.8 s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%g s", d.Round(100*time.Millisecond).Seconds())
}

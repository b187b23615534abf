//go:build linux

package icmpprobe

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// pollSlice bounds one wait in poll(2), so a cancelled context is noticed
// within this long even while nothing arrives.
const pollSlice = 50 * time.Millisecond

// Conn is one ICMP socket of one family. Probes on a Conn run one at a
// time; open several Conns to probe in parallel. SendEcho and ReadEvents
// serve an echo session or a batch of probes (hop discovery) and must not
// be mixed with Probe on one Conn.
type Conn struct {
	mu   sync.Mutex
	fd   int
	mode Mode
	v6   bool
	id   uint16 // the echo identifier of a raw socket; a ping socket's is the kernel's
	seq  uint16
	buf  []byte
	oob  []byte
	// ttl is the TTL SendEcho last set; 0 while the system's default.
	ttl  int
	sbuf []byte
}

// rcvBuf asks for room for about a second of an echo session's replies
// (300 a second of a few hundred bytes, each taking a few kilobytes of
// kernel memory), so a program that is not scheduled for a while loses
// none; the kernel caps it at net.core.rmem_max.
const rcvBuf = 1 << 20

// Open opens a socket of mode m for IPv4 or IPv6. It returns an error
// wrapping ErrNotPermitted when the OS refuses that kind of socket to this
// user.
func Open(m Mode, v6 bool) (*Conn, error) {
	domain, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if v6 {
		domain, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	typ := unix.SOCK_DGRAM
	if m == Privileged {
		typ = unix.SOCK_RAW
	}
	fd, err := unix.Socket(domain, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EPROTONOSUPPORT) {
			return nil, fmt.Errorf("%s ICMP socket: %w (%w)", m, ErrNotPermitted, err)
		}
		return nil, fmt.Errorf("%s ICMP socket: %w", m, err)
	}
	level, opt := unix.SOL_IP, unix.IP_RECVERR
	if v6 {
		level, opt = unix.SOL_IPV6, unix.IPV6_RECVERR
	}
	if err := unix.SetsockoptInt(fd, level, opt, 1); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s ICMP socket: enable error reports: %w", m, err)
	}
	// The kernel's receive time of each answer: round trips then do not
	// include the wait until this program is scheduled. Best effort, as
	// is the buffer size: without them figures are only less exact.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf)
	return &Conn{fd: fd, mode: m, v6: v6, id: uint16(rand.Uint32()), buf: make([]byte, 65536), oob: make([]byte, 512)}, nil
}

// Mode is the kind of socket c uses.
func (c *Conn) Mode() Mode { return c.mode }

// Close closes the socket.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fd < 0 {
		return nil
	}
	err := unix.Close(c.fd)
	c.fd = -1
	return err
}

// Probe sends one echo request and waits for what answers it.
func (c *Conn) Probe(ctx context.Context, p Probe) (Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fd < 0 {
		return Reply{}, errors.New("icmpprobe: probe on a closed socket")
	}
	dst := p.Dst.Unmap()
	if !dst.IsValid() || dst.Is6() != c.v6 {
		return Reply{}, fmt.Errorf("icmpprobe: destination %v does not match the socket's family", p.Dst)
	}
	if p.TTL <= 0 {
		p.TTL = 64
	}
	if p.Timeout <= 0 {
		p.Timeout = time.Second
	}
	if err := c.setOptions(p); err != nil {
		return Reply{}, err
	}
	c.drain()
	c.seq++
	msg := echoRequest(c.v6, c.id, c.seq, dataLen(p.Size, c.v6))
	var sa unix.Sockaddr
	if c.v6 {
		sa = &unix.SockaddrInet6{Addr: dst.As16()}
	} else {
		sa = &unix.SockaddrInet4{Addr: dst.As4()}
	}
	start := time.Now()
	err := unix.Sendto(c.fd, msg, 0, sa)
	var localMTU int
	tooBigHere := false
	if errors.Is(err, unix.EMSGSIZE) {
		localMTU, tooBigHere = c.localTooBig()
	}
	if err != nil && !errors.Is(err, unix.EAGAIN) && !tooBigHere {
		// An error from an earlier probe's ICMP message may still be
		// pending on the socket and is returned by this send (EMSGSIZE
		// too, from a Packet Too Big: then the kernel queued no local
		// error for this packet, which was not sent): once more.
		err = unix.Sendto(c.fd, msg, 0, sa)
		if errors.Is(err, unix.EMSGSIZE) {
			localMTU, _ = c.localTooBig()
		}
	}
	switch {
	case errors.Is(err, unix.EMSGSIZE):
		// Larger than the interface or the path MTU the kernel already
		// knows; the error queue said which size fits.
		return Reply{Kind: TooBig, MTU: localMTU}, nil
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		return Reply{}, fmt.Errorf("send to %v: %w (%w)", dst, ErrNotPermitted, err)
	case errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EHOSTUNREACH):
		return Reply{Kind: Unreachable, RTT: time.Since(start)}, nil
	case err != nil:
		return Reply{}, fmt.Errorf("send to %v: %w", dst, err)
	}

	deadline := start.Add(p.Timeout)
	for {
		if err := ctx.Err(); err != nil {
			return Reply{}, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return Reply{Kind: Silent}, nil
		}
		wait := min(left, pollSlice)
		fds := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(wait.Milliseconds())+1)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return Reply{}, fmt.Errorf("wait for an answer from %v: %w", dst, err)
		}
		if n <= 0 {
			continue
		}
		if fds[0].Revents&unix.POLLERR != 0 {
			for _, e := range c.readErrors() {
				if e.seq != c.seq || (c.mode == Privileged && e.id != c.id) {
					continue
				}
				if r, ok := e.classify(c.v6); ok {
					r.RTT = time.Since(start)
					return r, nil
				}
			}
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			if r, ok := c.readReplies(); ok {
				r.RTT = time.Since(start)
				return r, nil
			}
		}
	}
}

// setOptions sets the TTL and the don't-fragment behaviour for one probe.
func (c *Conn) setOptions(p Probe) error {
	ttlLevel, ttlOpt := unix.SOL_IP, unix.IP_TTL
	dfLevel, dfOpt, dfOn, dfOff := unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO, unix.IP_PMTUDISC_DONT
	if c.v6 {
		ttlLevel, ttlOpt = unix.SOL_IPV6, unix.IPV6_UNICAST_HOPS
		dfLevel, dfOpt, dfOn, dfOff = unix.SOL_IPV6, unix.IPV6_MTU_DISCOVER, unix.IPV6_PMTUDISC_DO, unix.IPV6_PMTUDISC_DONT
	}
	if err := unix.SetsockoptInt(c.fd, ttlLevel, ttlOpt, min(p.TTL, 255)); err != nil {
		return fmt.Errorf("icmpprobe: set TTL %d: %w", p.TTL, err)
	}
	df := dfOff
	if p.DontFragment {
		df = dfOn
	}
	if err := unix.SetsockoptInt(c.fd, dfLevel, dfOpt, df); err != nil {
		return fmt.Errorf("icmpprobe: set don't-fragment: %w", err)
	}
	return nil
}

// queuedErr is one entry of the error queue with the echo fields of the
// packet it is about.
type queuedErr struct {
	extErr
	id, seq uint16
}

// readErrors empties the socket's error queue.
func (c *Conn) readErrors() []queuedErr {
	var out []queuedErr
	want := uint8(icmpv4Echo)
	level, typ := unix.SOL_IP, unix.IP_RECVERR
	if c.v6 {
		want, level, typ = icmpv6Echo, unix.SOL_IPV6, unix.IPV6_RECVERR
	}
	for range 64 { // bounded: the queue holds at most a few entries per probe
		n, oobn, _, _, err := unix.Recvmsg(c.fd, c.buf, c.oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
		if err != nil {
			break
		}
		msgs, err := unix.ParseSocketControlMessage(c.oob[:oobn])
		if err != nil {
			continue
		}
		for _, m := range msgs {
			if int(m.Header.Level) != level || int(m.Header.Type) != typ {
				continue
			}
			e, err := parseExtErr(m.Data)
			if err != nil {
				continue
			}
			q := queuedErr{extErr: e}
			// The payload is the start of the echo request the error is
			// about (empty for local errors).
			q.id, q.seq, _ = echoFields(c.buf[:n], want)
			if e.Origin == originLocal {
				q.id, q.seq = c.id, c.seq
			}
			out = append(out, q)
		}
	}
	return out
}

// localTooBig reads the error queue after a send failed with EMSGSIZE:
// the kernel queues a local error with the MTU that fits when the packet
// itself was too big (IP_RECVERR/IPV6_RECVERR are on). ok is false when
// there is none: the EMSGSIZE was an earlier probe's, left pending.
func (c *Conn) localTooBig() (mtu int, ok bool) {
	for _, e := range c.readErrors() {
		if cr, isErr := e.classify(c.v6); isErr && cr.Kind == TooBig && e.Origin == originLocal {
			mtu, ok = cr.MTU, true
		}
	}
	return mtu, ok
}

// readReplies reads what arrived and returns the echo reply to the current
// probe, if any.
func (c *Conn) readReplies() (Reply, bool) {
	want := uint8(icmpv4EchoReply)
	if c.v6 {
		want = icmpv6EchoReply
	}
	for range 256 { // a raw socket sees every ICMP packet of the host: bounded
		n, from, err := unix.Recvfrom(c.fd, c.buf, unix.MSG_DONTWAIT)
		if err != nil {
			return Reply{}, false
		}
		b := c.buf[:n]
		if c.mode == Privileged && !c.v6 {
			var ok bool
			if b, ok = stripIPv4(b); !ok {
				continue
			}
		}
		id, seq, ok := echoFields(b, want)
		if !ok || seq != c.seq || (c.mode == Privileged && id != c.id) {
			continue
		}
		return Reply{Kind: EchoReply, From: sockaddrAddr(from)}, true
	}
	return Reply{}, false
}

// drain discards what earlier probes left: late replies and errors.
func (c *Conn) drain() {
	c.readErrors()
	// Reading SO_ERROR clears the socket's pending error. The kernel
	// queues an ICMP error's entry and only then sets that error: a probe
	// that read the entry in between leaves it pending, and the next
	// send would return it as its own (a 1380-byte probe reported too big
	// by the Packet Too Big of the 1500-byte one before it).
	_, _ = unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	for range 256 {
		if _, _, err := unix.Recvfrom(c.fd, c.buf, unix.MSG_DONTWAIT); err != nil {
			return
		}
	}
}

func sockaddrAddr(sa unix.Sockaddr) netip.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr).Unmap()
	}
	return netip.Addr{}
}

// SendEcho sends one echo request for an echo session or a batch of
// probes, without waiting for anything (see EchoConn). ttl 0 leaves the
// TTL as it is.
func (c *Conn) SendEcho(dst netip.Addr, seq uint16, ttl int, data []byte) (time.Time, error) {
	if c.fd < 0 {
		return time.Time{}, errors.New("icmpprobe: send on a closed socket")
	}
	dst = dst.Unmap()
	if !dst.IsValid() || dst.Is6() != c.v6 {
		return time.Time{}, fmt.Errorf("icmpprobe: destination %v does not match the socket's family", dst)
	}
	if ttl > 0 && ttl != c.ttl {
		level, opt := unix.SOL_IP, unix.IP_TTL
		if c.v6 {
			level, opt = unix.SOL_IPV6, unix.IPV6_UNICAST_HOPS
		}
		if err := unix.SetsockoptInt(c.fd, level, opt, min(ttl, 255)); err != nil {
			return time.Time{}, fmt.Errorf("icmpprobe: set TTL %d: %w", ttl, err)
		}
		c.ttl = ttl
	}
	c.sbuf = appendEcho(c.sbuf[:0], c.v6, c.id, seq, data)
	var sa unix.Sockaddr
	if c.v6 {
		sa = &unix.SockaddrInet6{Addr: dst.As16()}
	} else {
		sa = &unix.SockaddrInet4{Addr: dst.As4()}
	}
	at := time.Now()
	err := unix.Sendto(c.fd, c.sbuf, 0, sa)
	if err != nil && !busy(err) {
		// An ICMP error about an earlier probe is reported once by the
		// next send, which it fails without sending (its details wait in
		// the error queue): once more.
		at = time.Now()
		err = unix.Sendto(c.fd, c.sbuf, 0, sa)
	}
	switch {
	case err == nil:
		return at, nil
	case busy(err):
		return at, fmt.Errorf("send to %v: %w (%w)", dst, ErrSendBusy, err)
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		return at, fmt.Errorf("send to %v: %w (%w)", dst, ErrNotPermitted, err)
	}
	return at, fmt.Errorf("send to %v: %w", dst, err)
}

func busy(err error) bool {
	return errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.ENOBUFS)
}

// ReadEvents waits until an answer or an ICMP error arrives, or deadline
// passes, and appends what arrived (see EchoConn).
func (c *Conn) ReadEvents(deadline time.Time, buf []Event) ([]Event, error) {
	if c.fd < 0 {
		return buf, errors.New("icmpprobe: read on a closed socket")
	}
	for {
		n := len(buf)
		buf = c.readQueued(buf)
		if len(buf) > n {
			return buf, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return buf, nil
		}
		// ppoll, not poll: its timeout is in nanoseconds, so the next
		// probe is sent on time rather than up to a millisecond late.
		ts := unix.NsecToTimespec(left.Nanoseconds())
		fds := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
		if _, err := unix.Ppoll(fds, &ts, nil); err != nil && !errors.Is(err, unix.EINTR) {
			return buf, fmt.Errorf("icmpprobe: wait for answers: %w", err)
		}
	}
}

// readQueued appends what both queues hold, without waiting; bounded, so
// a flood of strangers' packets on a raw socket cannot hold it.
func (c *Conn) readQueued(buf []Event) []Event {
	wantErr, wantReply := uint8(icmpv4Echo), uint8(icmpv4EchoReply)
	level, typ := unix.SOL_IP, unix.IP_RECVERR
	if c.v6 {
		wantErr, wantReply = icmpv6Echo, icmpv6EchoReply
		level, typ = unix.SOL_IPV6, unix.IPV6_RECVERR
	}
	for range 64 {
		n, oobn, _, from, err := unix.Recvmsg(c.fd, c.buf, c.oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
		if err != nil {
			break
		}
		ev := Event{Read: time.Now(), Dst: sockaddrAddr(from)}
		var ext *extErr
		msgs, _ := unix.ParseSocketControlMessage(c.oob[:oobn])
		for _, m := range msgs {
			switch {
			case int(m.Header.Level) == unix.SOL_SOCKET && int(m.Header.Type) == unix.SCM_TIMESTAMPNS:
				ev.At, _ = timespecTime(m.Data)
			case int(m.Header.Level) == level && int(m.Header.Type) == typ:
				if e, err := parseExtErr(m.Data); err == nil {
					ext = &e
				}
			}
		}
		if ext == nil || ext.Origin == originLocal {
			continue
		}
		r, ok := ext.classify(c.v6)
		id, seq, okf := echoFields(c.buf[:n], wantErr)
		if !ok || !okf || (c.mode == Privileged && id != c.id) {
			continue
		}
		ev.Kind, ev.From, ev.MTU, ev.Code, ev.Seq = r.Kind, r.From, r.MTU, r.Code, seq
		buf = append(buf, ev)
	}
	for range 256 {
		n, oobn, _, from, err := unix.Recvmsg(c.fd, c.buf, c.oob, unix.MSG_DONTWAIT)
		if err != nil {
			break
		}
		id, seq, tag, tagged, ok := parseEchoReply(c.buf[:n], wantReply, c.mode == Privileged && !c.v6)
		if !ok || (c.mode == Privileged && id != c.id) {
			continue
		}
		ev := Event{Kind: EchoReply, From: sockaddrAddr(from), Seq: seq, Tag: tag, Tagged: tagged, Read: time.Now()}
		msgs, _ := unix.ParseSocketControlMessage(c.oob[:oobn])
		for _, m := range msgs {
			if int(m.Header.Level) == unix.SOL_SOCKET && int(m.Header.Type) == unix.SCM_TIMESTAMPNS {
				ev.At, _ = timespecTime(m.Data)
			}
		}
		buf = append(buf, ev)
	}
	return buf
}

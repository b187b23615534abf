package latency

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/rttstats"
)

// schedule is how one target is probed with TCP connects.
type schedule struct {
	count    int
	interval time.Duration
	// wait is how long an answer may take; a later one counts as lost,
	// as it would in a call's jitter buffer.
	wait time.Duration
	// offset delays the first probe, so targets probed together do not
	// send in one burst.
	offset time.Duration
}

// tcpSeries measures round trips with TCP connects, for when ICMP is not
// permitted: a connect completes (SYN, SYN-ACK) or is refused (SYN, RST)
// after one round trip, so both count as an answer; only silence until
// the wait ends counts as lost. Connections are closed at once.
func tcpSeries(ctx context.Context, d checks.Dialer, addr netip.Addr, port int, s schedule) series {
	rtt := make([]time.Duration, s.count)
	for i := range rtt {
		rtt[i] = rttstats.Lost
	}
	target := net.JoinHostPort(addr.String(), strconv.Itoa(port))
	start := time.Now().Add(s.offset)
	var wg sync.WaitGroup
	sent := 0
	for i := range s.count {
		if wait := time.Until(start.Add(time.Duration(i) * s.interval)); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			break
		}
		sent++
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, s.wait)
			defer cancel()
			t0 := time.Now()
			conn, err := d.DialContext(cctx, "tcp", target)
			took := time.Since(t0)
			switch {
			case err == nil:
				conn.Close()
				rtt[i] = took
			case refused(err):
				rtt[i] = took
			}
		})
	}
	wg.Wait()
	out := series{rtt: rtt[:sent]}
	if ctx.Err() != nil {
		out.rtt = trimUnanswered(out.rtt)
	}
	return out
}

// refused is a connection reset or refused: the host answered.
func refused(err error) bool {
	k := probeutil.ClassifyNetErr(err)
	return k == probeutil.NetErrRefused || k == probeutil.NetErrReset
}

package network

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"runtime"
	"syscall"
	"time"

	probing "github.com/prometheus-community/pro-bing"
)

const (
	// gatewayPings: three echoes tell "answers" from one lost packet on a
	// busy Wi-Fi without taking long; the latency check measures properly.
	gatewayPings    = 3
	gatewayInterval = 200 * time.Millisecond
	// gatewayTimeout must be set: pro-bing's default is effectively
	// infinite and a lost echo would hold the check until its budget.
	gatewayTimeout = 1500 * time.Millisecond
)

// pinger sends ICMP echoes; the check's tests replace it. err is set only
// when no echo could be sent (no privileges), so "silent" stays meaningful.
type pinger func(ctx context.Context, addr netip.Addr) (answered bool, rtt time.Duration, err error)

// icmpPing pings with pro-bing: unprivileged (UDP ICMP) first, which works
// on macOS and on Linux when ping_group_range allows it, then raw sockets
// (root, CAP_NET_RAW, or always on Windows where pro-bing requires it).
func icmpPing(ctx context.Context, addr netip.Addr) (bool, time.Duration, error) {
	modes := []bool{false, true}
	if runtime.GOOS == "windows" {
		modes = []bool{true}
	}
	var lastErr error
	for _, privileged := range modes {
		p := probing.New(addr.String())
		p.Count, p.Interval, p.Timeout = gatewayPings, gatewayInterval, gatewayTimeout
		p.SetPrivileged(privileged)
		if addr.Is6() {
			p.SetNetwork("ip6")
		} else {
			p.SetNetwork("ip4")
		}
		err := p.RunWithContext(ctx)
		st := p.Statistics()
		if err == nil || st.PacketsSent > 0 {
			if st.PacketsRecv > 0 {
				return true, st.MinRtt, nil
			}
			return false, 0, nil // echoes went out and none came back
		}
		lastErr = err
		if !isPermission(err) {
			break
		}
	}
	return false, 0, lastErr
}

// isPermission tells an ICMP socket this process may not open, so the next
// mode is worth trying: EACCES (Linux: the group is outside
// ping_group_range), EPERM (raw sockets without root or CAP_NET_RAW) or
// EPROTONOSUPPORT (a kernel without unprivileged ICMP). pro-bing returns the
// socket call's error unwrapped, so the errno is there to test.
func isPermission(err error) bool {
	return errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EPROTONOSUPPORT)
}

package icmpprobe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// PMTUOptions bound a path-MTU search.
type PMTUOptions struct {
	// Start is the first size tried, the largest the search can report;
	// 0 means 1500, the Ethernet MTU that nearly every internet path is
	// limited by.
	Start int
	// MaxProbes bounds the number of probes sent; 0 means 10, enough for
	// two router reports and a binary search to within a few bytes.
	MaxProbes int
	// Timeout is the wait for each probe's answer; 0 means 700 ms, over
	// twice a slow mobile round trip.
	Timeout time.Duration
}

// PMTU is the result of a path-MTU search.
type PMTU struct {
	// MTU is the largest packet (IP header included) that reached the
	// destination whole with the don't-fragment bit set.
	MTU int
	// Exact is true when one byte more is known not to pass (a router or
	// the kernel said so, or a probe one byte larger went unanswered
	// twice); false when the search stopped at MTU as a lower bound.
	Exact bool
	// ReportedBy is the router whose Fragmentation Needed (Packet Too
	// Big) set the limit, when one did.
	ReportedBy netip.Addr
	// Probes is how many probes were sent.
	Probes int
}

// ErrUnreachable: a router or the local machine says there is no way to
// the destination.
var ErrUnreachable = errors.New("the destination is unreachable")

// ErrNoEcho: the destination answered no probe at all, not even the
// smallest, so its path MTU cannot be measured with echoes.
var ErrNoEcho = errors.New("the destination did not answer any echo request")

// PathMTU finds the largest packet that reaches dst unfragmented. It tries
// Start, follows the MTU that routers (or the kernel, which caches what
// they said) report, and when the path is silent about oversized packets
// (an ICMP black hole) searches between the largest size that got an echo
// reply and the smallest that did not. Silence is asked twice before it
// counts, because a single probe can be lost.
func PathMTU(ctx context.Context, p Prober, dst netip.Addr, o PMTUOptions) (PMTU, error) {
	if o.Start <= 0 {
		o.Start = 1500
	}
	if o.MaxProbes <= 0 {
		o.MaxProbes = 10
	}
	if o.Timeout <= 0 {
		o.Timeout = 700 * time.Millisecond
	}
	v6 := dst.Unmap().Is6()
	floor := MinSize(v6)
	// safeSize is IPv6's minimum MTU (RFC 8200), which IPv4 paths carry
	// too in practice (tunnels stay above it).
	const safeSize = 1280
	var res PMTU
	good, bad := 0, o.Start+1 // good: largest size answered; bad: smallest known too big
	badKnown := false         // bad was observed, not assumed
	hint := 0                 // a size some router or the kernel named
	silentAt := map[int]int{}
	size := o.Start
	for res.Probes < o.MaxProbes {
		if err := ctx.Err(); err != nil {
			break
		}
		res.Probes++
		r, err := p.Probe(ctx, Probe{Dst: dst, Size: size, DontFragment: true, Timeout: o.Timeout})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return res, fmt.Errorf("probe of %d bytes: %w", size, err)
		}
		switch r.Kind {
		case EchoReply:
			good = max(good, size)
		case TooBig:
			bad, badKnown = min(bad, size), true
			if r.MTU >= floor && r.MTU < size {
				// The link takes at most MTU bytes: one more will not pass.
				bad, hint = min(bad, r.MTU+1), r.MTU
				if r.From.IsValid() {
					res.ReportedBy = r.From
				}
			}
		case Silent:
			silentAt[size]++
			if silentAt[size] >= 2 {
				bad, badKnown = min(bad, size), true
			}
		case Unreachable:
			if r.From.IsValid() {
				return res, fmt.Errorf("%w (ICMP code %d from %v)", ErrUnreachable, r.Code, r.From)
			}
			return res, ErrUnreachable
		default:
			return res, fmt.Errorf("probe of %d bytes: unexpected %v from %v", size, r.Kind, r.From)
		}
		if good+1 >= bad {
			break
		}
		switch {
		case r.Kind == Silent && silentAt[size] < 2:
			// ask again: one probe may be lost
		case hint > good && hint < bad:
			size = hint
		case good == 0 && size > safeSize && o.Start > safeSize:
			// Nothing answered: a size nearly every path carries tells a
			// black hole for large packets from a deaf destination.
			size = safeSize
		case good == 0 && size != floor:
			size = floor
		case good == 0:
			return res, ErrNoEcho
		default:
			size = (good + bad) / 2
		}
	}
	if good == 0 {
		if res.Probes >= o.MaxProbes {
			return res, ErrNoEcho
		}
		return res, ctx.Err()
	}
	res.MTU, res.Exact = good, badKnown && good+1 >= bad
	if res.Exact && hint != good {
		res.ReportedBy = netip.Addr{}
	}
	return res, nil
}

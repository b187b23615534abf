package icmpprobe

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

// fakePath answers like a path whose narrowest link is mtu bytes: a router
// reports it (unless blackHole), the destination echoes what fits (unless
// deaf). lossFirst drops the first that many probes.
type fakePath struct {
	mtu       int
	blackHole bool
	deaf      bool
	lossFirst int
	sizes     []int
}

var router = netip.MustParseAddr("10.0.0.1")

func (f *fakePath) Probe(_ context.Context, p Probe) (Reply, error) {
	f.sizes = append(f.sizes, p.Size)
	if !p.DontFragment {
		return Reply{}, errors.New("probe without DF")
	}
	if len(f.sizes) <= f.lossFirst {
		return Reply{Kind: Silent}, nil
	}
	if p.Size > f.mtu {
		if f.blackHole {
			return Reply{Kind: Silent}, nil
		}
		return Reply{Kind: TooBig, From: router, MTU: f.mtu}, nil
	}
	if f.deaf {
		return Reply{Kind: Silent}, nil
	}
	return Reply{Kind: EchoReply}, nil
}

func TestPathMTU(t *testing.T) {
	dst := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		name      string
		path      fakePath
		want      int
		exact     bool
		maxProbes int
	}{
		{"clear 1500", fakePath{mtu: 1500}, 1500, false, 2},
		{"router reports 1380", fakePath{mtu: 1380}, 1380, true, 3},
		{"first probe lost", fakePath{mtu: 1380, lossFirst: 1}, 1380, true, 4},
		{"black hole, 1400", fakePath{mtu: 1400, blackHole: true}, 1400, false, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PathMTU(context.Background(), &tc.path, dst, PMTUOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Without a router's report the search ends as a lower bound
			// within its last step.
			if got.MTU != tc.want && !(tc.path.blackHole && got.MTU <= tc.want && got.MTU > tc.want-16) {
				t.Errorf("MTU %d, want %d (sizes %v)", got.MTU, tc.want, tc.path.sizes)
			}
			if got.Exact != tc.exact && !tc.path.blackHole {
				t.Errorf("exact %v, want %v", got.Exact, tc.exact)
			}
			if got.Probes > tc.maxProbes {
				t.Errorf("%d probes, want at most %d (sizes %v)", got.Probes, tc.maxProbes, tc.path.sizes)
			}
			if tc.path.mtu < 1500 && !tc.path.blackHole && got.ReportedBy != router {
				t.Errorf("reported by %v", got.ReportedBy)
			}
		})
	}
	deaf := &fakePath{mtu: 1500, deaf: true}
	if _, err := PathMTU(context.Background(), deaf, dst, PMTUOptions{}); !errors.Is(err, ErrNoEcho) {
		t.Errorf("deaf destination: %v", err)
	}
	if len(deaf.sizes) > 6 { // each size asked twice: 1500, 1280, the smallest
		t.Errorf("deaf destination took %d probes: %v", len(deaf.sizes), deaf.sizes)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := PathMTU(ctx, &fakePath{mtu: 1500}, dst, PMTUOptions{}); err == nil {
		t.Error("cancelled search returned no error")
	}
}

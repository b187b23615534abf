package stunprobe

import (
	"context"
	"sync"
	"time"
)

// TURNServer is one TURN server to allocate on, with its credentials.
type TURNServer struct {
	Target      Target      `json:"target"`
	Credentials Credentials `json:"credentials"` // marshals as "[redacted]"
}

// Set is every probe of one diagnosis, run at once by RunSet.
type Set struct {
	// Bindings are STUN Binding probes (per app: UDP, then the TCP and
	// TLS fallbacks the app would use).
	Bindings []Target
	// Knocks are Binding probes that also send an unauthenticated TURN
	// Allocate (see Prober.Knock).
	Knocks []Target
	// Connects are TCP connects and TLS handshakes (see Prober.Connect).
	Connects []Target
	// NATServers, when not empty, runs NATMapping on them.
	NATServers []Target
	// TURN are allocation probes.
	TURN []TURNServer
}

// SetResult holds the results in the order of the Set.
type SetResult struct {
	Bindings []Result      `json:"bindings,omitempty"`
	Knocks   []Result      `json:"knocks,omitempty"`
	Connects []Result      `json:"connects,omitempty"`
	NAT      *NATReport    `json:"nat,omitempty"`
	TURN     []TURNResult  `json:"turn,omitempty"`
	Took     time.Duration `json:"took_ns"`
}

// RunSet runs every probe of s concurrently and returns when all are done:
// within the Prober's Timeout (ProbeTimeout: inside Budget) whatever the
// network does, since every probe bounds itself. Keep sets to tens of
// probes: each holds a socket.
func (p *Prober) RunSet(ctx context.Context, s Set) SetResult {
	start := p.now()
	res := SetResult{Bindings: make([]Result, len(s.Bindings)), Knocks: make([]Result, len(s.Knocks)),
		Connects: make([]Result, len(s.Connects)), TURN: make([]TURNResult, len(s.TURN))}
	var wg sync.WaitGroup
	for i, t := range s.Bindings {
		wg.Go(func() { res.Bindings[i] = p.Binding(ctx, t) })
	}
	for i, t := range s.Knocks {
		wg.Go(func() { res.Knocks[i] = p.Knock(ctx, t) })
	}
	for i, t := range s.Connects {
		wg.Go(func() { res.Connects[i] = p.Connect(ctx, t) })
	}
	for i, t := range s.TURN {
		wg.Go(func() { res.TURN[i] = p.Allocate(ctx, t.Target, t.Credentials) })
	}
	if len(s.NATServers) > 0 {
		wg.Go(func() {
			rep := p.NATMapping(ctx, s.NATServers...)
			res.NAT = &rep
		})
	}
	wg.Wait()
	res.Took = p.now().Sub(start)
	return res
}

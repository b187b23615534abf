package speedserver

import (
	"net"
	"net/netip"
	"time"
)

// An address, for every per-address limit, is an IPv4 address or an IPv6
// /64: one home or host is given a whole /64 and can use any address in
// it, so counting IPv6 addresses one by one would give it 2^64 quotas.

// addrKey is the key of the limits a from: a itself for IPv4 (also when it
// arrives IPv4-mapped on a dual-stack socket), its /64 for IPv6.
func addrKey(a netip.Addr) netip.Addr {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// keyOfRemote is addrKey of an "ip:port" (http.Request.RemoteAddr). A
// remote address that cannot be parsed gets the zero key, shared by all.
func keyOfRemote(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return addrKey(ap.Addr())
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return addrKey(a)
	}
	return netip.Addr{}
}

// keyOfAddr is addrKey of a connection's remote address.
func keyOfAddr(a net.Addr) netip.Addr {
	if t, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(t.IP); ok {
			return addrKey(ip)
		}
	}
	if a == nil {
		return netip.Addr{}
	}
	return keyOfRemote(a.String())
}

// showKey writes a key for the log: the IPv4 address, or the IPv6 /64.
func showKey(k netip.Addr) string {
	switch {
	case !k.IsValid():
		return "an unknown address"
	case k.Is6():
		return netip.PrefixFrom(k, 64).String()
	}
	return k.String()
}

// addrEntry is what the server remembers about one address between its
// requests: its request budget and when a refusal of it was last logged.
type addrEntry struct {
	tokens   float64   // requests it may still make at once
	filled   time.Time // when tokens was last brought up to date
	loggedAt time.Time // last refusal line for it, zero if none
	// quietAt: last line for a test of it that moved almost nothing.
	quietAt time.Time
	seen    time.Time
}

// addrTable holds the addrEntries, at most max of them: an attacker
// rotating through addresses (an IPv6 /48 holds 65,536 /64s) must not
// grow it without bound. Entries at rest (a full budget, no recent log
// line) are dropped by prune; when the table is full anyway, the least
// recently seen address is forgotten, which only gives it a fresh budget.
// Guarded by Server.mu.
type addrTable struct {
	m     map[netip.Addr]*addrEntry
	max   int
	burst float64
	rate  float64 // requests per second
}

func newAddrTable(lim limits) *addrTable {
	return &addrTable{m: map[netip.Addr]*addrEntry{}, max: lim.maxAddrs, burst: lim.perMinute, rate: lim.perMinute / 60}
}

func (t *addrTable) get(k netip.Addr, now time.Time) *addrEntry {
	e := t.m[k]
	if e == nil {
		if len(t.m) >= t.max {
			t.evictOldest()
		}
		e = &addrEntry{tokens: t.burst, filled: now}
		t.m[k] = e
	}
	e.seen = now
	return e
}

// evictOldest is linear in the table's size (4096 entries, microseconds),
// and runs only when a new address arrives at a full table.
func (t *addrTable) evictOldest() {
	var oldest netip.Addr
	var at time.Time
	first := true
	for k, e := range t.m {
		if first || e.seen.Before(at) {
			oldest, at, first = k, e.seen, false
		}
	}
	delete(t.m, oldest)
}

func (t *addrTable) refill(e *addrEntry, now time.Time) {
	if d := now.Sub(e.filled).Seconds(); d > 0 {
		e.tokens = min(t.burst, e.tokens+d*t.rate)
	}
	e.filled = now
}

// take spends cost requests of k's budget; when too few are left it spends
// nothing and says how long until there are enough.
func (t *addrTable) take(k netip.Addr, cost float64, now time.Time) (time.Duration, bool) {
	e := t.get(k, now)
	t.refill(e, now)
	if e.tokens < cost {
		return time.Duration((cost - e.tokens) / t.rate * float64(time.Second)), false
	}
	e.tokens -= cost
	return 0, true
}

// give returns n requests to k's budget.
func (t *addrTable) give(k netip.Addr, n float64, now time.Time) {
	if e := t.m[k]; e != nil {
		t.refill(e, now)
		e.tokens = min(t.burst, e.tokens+n)
	}
}

// spend takes n requests from k's budget, down to none.
func (t *addrTable) spend(k netip.Addr, n float64, now time.Time) {
	e := t.get(k, now)
	t.refill(e, now)
	e.tokens = max(0, e.tokens-n)
}

// prune forgets the addresses at rest.
func (t *addrTable) prune(now time.Time, logEvery time.Duration) {
	for k, e := range t.m {
		t.refill(e, now)
		if e.tokens >= t.burst && now.Sub(e.loggedAt) >= logEvery && now.Sub(e.quietAt) >= logEvery {
			delete(t.m, k)
		}
	}
}

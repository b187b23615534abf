package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/profile"
)

// outcome is the verdict on one query, one server or one lookup.
type outcome string

const (
	outOK          outcome = "ok"
	outSlow        outcome = "slow"
	outTimeout     outcome = "timeout"
	outRefused     outcome = "refused"
	outServfail    outcome = "servfail"
	outUnreachable outcome = "unreachable"
	outWrong       outcome = "wrong"
	outNotFound    outcome = "not_found" // lookups only: the name does not exist
	outFailed      outcome = "failed"    // another error code, or an unreadable reply
)

// failure reports outcomes that mean the server or lookup did not work.
func (o outcome) failure() bool {
	switch o {
	case outTimeout, outRefused, outServfail, outUnreachable, outFailed:
		return true
	}
	return false
}

// queryKind says what a correct answer to a query is.
type queryKind int

const (
	// kindPublic: a well-known public name; it must resolve to public
	// addresses.
	kindPublic queryKind = iota
	// kindMissing: a random name that cannot exist; it must not resolve.
	kindMissing
	// kindDomain: a per-domain server's own domain (SOA); any answer
	// shows the server works.
	kindDomain
	// kindCompany: a company name asked at the per-domain server for it;
	// any answer shows the server works, the addresses are reported.
	kindCompany
)

type query struct {
	name  string
	qtype uint16
	kind  queryKind
}

// result is one query's outcome.
type result struct {
	query
	out     outcome
	detail  string
	replied bool // a DNS reply came back, whatever it said
	rtt     time.Duration
	addrs   []netip.Addr
	// noAddr: a public name the server says has no address (NXDOMAIN or
	// an empty answer). Whether that is wrong depends on what the other
	// servers say (see settle).
	noAddr bool
	// hijack: an address for a name that cannot exist.
	hijack bool
}

// role is why a server is tested.
type role string

const (
	roleSystem    role = "system"            // a server the machine asks for every name
	roleStub      role = "local_stub"        // a forwarder on this computer (127.0.0.53)
	rolePerDomain role = "per_domain"        // a server for some domains only (VPN split DNS)
	roleFallback  role = "fallback"          // used only when nothing else is configured
	rolePublic    role = "public_comparison" // wfh's public reference server
)

// target is one server to test.
type target struct {
	Server
	role role
	// alsoPublic: a machine server that is also the public reference.
	alsoPublic bool
}

// serverResult is everything one server was asked and how it did.
type serverResult struct {
	target
	results []result
	out     outcome
	detail  string
	// median is the median time to a reply, over the queries that got one;
	// zero when none did.
	median   time.Duration
	answered int
	// hijackOnly: the only wrong answers were addresses for names that
	// cannot exist, a nuisance rather than a broken server.
	hijackOnly bool
}

// worked reports a server that answered every query correctly, if slowly.
func (s serverResult) worked() bool { return s.out == outOK || s.out == outSlow }

// dead reports a server from which no query got a good answer.
func (s serverResult) dead() bool {
	if s.out == outWrong {
		return false
	}
	for _, r := range s.results {
		if r.out == outOK {
			return false
		}
	}
	return len(s.results) > 0
}

// planQueries lists what to ask a server. General servers get the public
// names and two names that cannot exist (a random label under "com", and
// one under "invalid", reserved never to exist by RFC 6761): a server that
// answers those with an address rewrites "no such name" answers.
// Per-domain servers answer only for their domains, so they are asked for
// each domain's SOA record and for the company names under it.
func planQueries(t target, names []string, company []profile.CompanyName, label func() string) []query {
	var qs []query
	if t.PerDomain() {
		for i, d := range t.Domains {
			if i == maxDomainsAsked {
				break
			}
			qs = append(qs, query{name: d, qtype: mdns.TypeSOA, kind: kindDomain})
		}
		for _, c := range company {
			for _, d := range t.Domains {
				if underDomain(c.Name, d) {
					qs = append(qs, query{name: c.Name, qtype: mdns.TypeA, kind: kindCompany})
					break
				}
			}
		}
		return qs
	}
	for _, n := range names {
		qs = append(qs, query{name: n, qtype: mdns.TypeA, kind: kindPublic})
	}
	return append(qs,
		query{name: label() + ".com", qtype: mdns.TypeA, kind: kindMissing},
		query{name: label() + ".invalid", qtype: mdns.TypeA, kind: kindMissing})
}

// maxDomainsAsked bounds the SOA queries to one per-domain server: a VPN
// routes a handful of domains, and three show whether the server answers.
const maxDomainsAsked = 3

// measureServer asks all queries of one server at once: every query is
// bounded by its own tries, so a dead server costs 2.5 s, not 2.5 s per
// query.
func measureServer(ctx context.Context, env *checks.Env, t target, qs []query) serverResult {
	sr := serverResult{target: t, results: make([]result, len(qs))}
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Go(func() {
			sr.results[i] = judge(q, ask(ctx, env.Dialer, t.Addr, q.name, q.qtype))
		})
	}
	wg.Wait()
	return sr
}

// judge turns one reply into a result.
func judge(q query, r reply) result {
	res := result{query: q}
	if r.err != nil {
		res.out, res.detail = classifyErr(r.err, r.rtt)
		var mm *mismatchError
		res.replied = errors.As(r.err, &mm)
		if res.replied {
			res.rtt = r.rtt
		}
		return res
	}
	res.replied, res.rtt = true, r.rtt
	m := r.msg
	for _, rr := range m.Answer {
		switch v := rr.(type) {
		case *mdns.A:
			if a, ok := netip.AddrFromSlice(v.A); ok {
				res.addrs = append(res.addrs, a.Unmap())
			}
		case *mdns.AAAA:
			if a, ok := netip.AddrFromSlice(v.AAAA); ok {
				res.addrs = append(res.addrs, a)
			}
		}
	}
	switch m.Rcode {
	case mdns.RcodeSuccess, mdns.RcodeNameError:
	case mdns.RcodeServerFailure:
		res.out, res.detail = outServfail, "answers SERVFAIL: it could not get an answer"
		return res
	case mdns.RcodeRefused:
		res.out, res.detail = outRefused, "answers REFUSED: it does not serve this computer"
		return res
	default:
		res.out, res.detail = outFailed, "answers "+rcodeName(m.Rcode)
		return res
	}
	res.out = outOK
	switch q.kind {
	case kindPublic:
		if m.Rcode == mdns.RcodeNameError || len(res.addrs) == 0 {
			res.noAddr = true
			res.detail = "says " + q.name + " has no address"
			if m.Rcode == mdns.RcodeNameError {
				res.detail = "says " + q.name + " does not exist"
			}
			return res
		}
		for _, a := range res.addrs {
			if isBogon(a) {
				res.out = outWrong
				res.detail = fmt.Sprintf("answers %s with %s, a private or reserved address no public name has", q.name, a)
				return res
			}
		}
	case kindMissing:
		if len(res.addrs) > 0 {
			res.out, res.hijack = outWrong, true
			res.detail = fmt.Sprintf("answers a name that does not exist with %s", res.addrs[0])
		}
	}
	return res
}

func rcodeName(rc int) string {
	if s, ok := mdns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("error code %d", rc)
}

// lookup is one name looked up through the operating system's resolver,
// the way apps look names up.
type lookup struct {
	name    string
	company *profile.CompanyName // nil for a public name
	out     outcome
	detail  string
	addrs   []netip.Addr
	took    time.Duration
}

// systemLookupTimeout bounds one lookup through the OS resolver: the
// same 2.5 s a direct query gets. The OS may still be waiting for a dead
// first server (the C library waits 5 s by default), which is what the
// user's apps experience, so it is reported as such.
const systemLookupTimeout = 2500 * time.Millisecond

// isWindowsNetErr reports an error carrying a Winsock code.
func isWindowsNetErr(err error) bool {
	_, _, ok := probeutil.WindowsNetErr(err)
	return ok
}

// lookupAll resolves every name through env.Resolver at once.
func lookupAll(ctx context.Context, env *checks.Env, names []string, company []profile.CompanyName) []lookup {
	out := make([]lookup, 0, len(names)+len(company))
	for _, n := range names {
		out = append(out, lookup{name: n})
	}
	for i := range company {
		out = append(out, lookup{name: company[i].Name, company: &company[i]})
	}
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { systemLookup(ctx, env, &out[i]) })
	}
	wg.Wait()
	return out
}

// systemLookup resolves one name, returning by its deadline even when a
// resolver ignores its context (a goroutine then finishes on its own).
func systemLookup(ctx context.Context, env *checks.Env, l *lookup) {
	if env.Resolver == nil {
		l.out, l.detail = outFailed, "no system resolver to ask"
		return
	}
	ctx, cancel := context.WithTimeout(ctx, systemLookupTimeout)
	defer cancel()
	type answer struct {
		addrs []net.IPAddr
		err   error
	}
	ch := make(chan answer, 1) // buffered: a late answer must not block
	start := time.Now()
	go func() {
		defer func() {
			if v := recover(); v != nil {
				ch <- answer{err: fmt.Errorf("internal error (a bug in wfh): %v", v)}
			}
		}()
		a, err := env.Resolver.LookupIPAddr(ctx, l.name)
		ch <- answer{a, err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		a.err = ctx.Err()
	}
	l.took = time.Since(start)
	if a.err != nil {
		var de *net.DNSError
		switch {
		case errors.As(a.err, &de) && de.IsNotFound:
			l.out, l.detail = outNotFound, "the name does not exist"
		case isTimeout(a.err) || ctx.Err() != nil:
			l.out, l.detail = outTimeout, fmt.Sprintf("no answer within %s", seconds(systemLookupTimeout))
		case errors.Is(a.err, syscall.ECONNREFUSED), errors.Is(a.err, syscall.ENETUNREACH), errors.Is(a.err, syscall.EHOSTUNREACH):
			l.out, l.detail = classifyErr(a.err, l.took)
		case isWindowsNetErr(a.err):
			// Windows' resolver errors: its own text is localised (and
			// Wine's differs), so the code is put in words.
			l.out, l.detail = classifyErr(a.err, l.took)
		case errors.As(a.err, &de):
			// Go's resolver flattens the dial error into text
			// ("dial udp 10.0.0.1:53: connect: network is unreachable"):
			// its last part is the reason.
			reason := de.Err[strings.LastIndex(de.Err, ": ")+1:]
			reason = strings.TrimSpace(reason)
			l.out, l.detail = outFailed, reason
			switch reason {
			case syscall.ENETUNREACH.Error(), syscall.EHOSTUNREACH.Error(), syscall.ECONNREFUSED.Error():
				l.out = outUnreachable
			}
		default:
			l.out, l.detail = outFailed, shortErr(a.err)
		}
		return
	}
	for _, ia := range a.addrs {
		if ip, ok := netip.AddrFromSlice(ia.IP); ok {
			l.addrs = append(l.addrs, ip.Unmap())
		}
	}
	l.out = outOK
	if len(l.addrs) == 0 {
		l.out, l.detail = outNotFound, "the name has no address"
		return
	}
	if l.company != nil {
		return // company names may well have private addresses
	}
	for _, ip := range l.addrs {
		if isBogon(ip) {
			l.out = outWrong
			l.detail = fmt.Sprintf("apps get %s, a private or reserved address no public name has (a hosts-file entry, a filter or a tampering DNS server)", ip)
			return
		}
	}
}

// settle decides what a "no address" answer for a public name means: wrong
// when any other server (or the system path) found the name, harmless when
// nobody did (then the name itself is the problem, see unknownNames).
func settle(servers []serverResult, lookups []lookup) (unknown []string) {
	known := map[string]bool{}
	for _, s := range servers {
		for _, r := range s.results {
			if r.kind == kindPublic && r.out == outOK && !r.noAddr {
				known[strings.ToLower(r.name)] = true
			}
		}
	}
	for _, l := range lookups {
		if l.company == nil && l.out == outOK {
			known[strings.ToLower(l.name)] = true
		}
	}
	seen := map[string]bool{}
	for i := range servers {
		for j := range servers[i].results {
			r := &servers[i].results[j]
			if !r.noAddr || r.out != outOK {
				continue
			}
			if known[strings.ToLower(r.name)] {
				r.out = outWrong
				r.detail += " (other DNS servers find it)"
			} else if !seen[r.name] {
				seen[r.name] = true
				unknown = append(unknown, r.name)
			}
		}
	}
	return unknown
}

// classify sums up a server from its results (after settle).
func classify(sr *serverResult) {
	var rtts []time.Duration
	fails := map[outcome]int{}
	var firstFail = map[outcome]string{}
	wrong, hijackOnly := "", true
	for _, r := range sr.results {
		if r.replied {
			rtts = append(rtts, r.rtt)
		}
		switch {
		case r.out == outWrong:
			if wrong == "" {
				wrong = r.detail
			}
			hijackOnly = hijackOnly && r.hijack
		case r.out.failure():
			fails[r.out]++
			if _, ok := firstFail[r.out]; !ok {
				firstFail[r.out] = r.detail
			}
		}
	}
	sr.answered = len(rtts)
	sr.median = median(rtts)
	nfail := 0
	for _, n := range fails {
		nfail += n
	}
	switch {
	case wrong != "":
		sr.out, sr.detail, sr.hijackOnly = outWrong, wrong, hijackOnly
	case nfail > 0:
		// The most frequent failure names the problem; ties go to the
		// order below (a silent server before an erring one: it costs
		// the most time). Port unreachable is definitive, and hosts
		// rate-limit those ICMP messages (Linux: icmp_ratelimit, one per
		// 1000 ms by default after a short burst), so the rest of a burst
		// times out: timeouts mixed with port unreachable mean nothing
		// listens.
		best := outcome("")
		for _, o := range []outcome{outTimeout, outUnreachable, outServfail, outRefused, outFailed} {
			if fails[o] > fails[best] {
				best = o
			}
		}
		if fails[outUnreachable] > 0 && fails[outUnreachable]+fails[outTimeout] == nfail {
			best = outUnreachable
		}
		sr.out = best
		sr.detail = firstFail[best]
		if nfail < len(sr.results) {
			sr.detail = fmt.Sprintf("%d of %d lookups failed: %s", nfail, len(sr.results), sr.detail)
		}
	case len(sr.results) > 0 && sr.median > slowMedian:
		sr.out = outSlow
		sr.detail = fmt.Sprintf("answers slowly: median %s", ms(sr.median))
	default:
		sr.out = outOK
	}
}

// slowMedian: a resolver on the home router or at the provider answers a
// cached name in 1-50 ms, and the large public resolvers in about 10-40 ms
// (their medians as measured by dnsperf.com); a median of 200 ms, four
// times the worst of those, means the server or the path to it is
// overloaded, and every new connection of every app waits that long
// before it even starts.
const slowMedian = 200 * time.Millisecond

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ms renders a duration in milliseconds with the digits that mean
// something: whole above 10 ms, two decimals under 1 ms (a local stub).
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 10:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 1:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

// Package watch is the engine of `wfh watch`: light probes every tick to
// the rungs of the latency check's ladder (the router, the provider's
// first router, internet anchors, the DNS server, a DNS lookup and the
// company's target through the VPN), plus the machine's network state
// (default route and interface, tunnels, Wi-Fi link), turned into events
// with a start, an end and where they start: outages, loss bursts,
// latency spikes, DNS failures, VPN drops, connection changes, Wi-Fi
// roams, channel changes and signal drops, and the sleeps of a laptop.
//
// Everything that touches the outside world is behind a small interface
// (Prober, NetState, Ladder, Clock, Sink), so the engine runs against
// fakes in tests (8 hours simulated in seconds) and against the real
// network in netlab. The real machine's state is a fresh read of
// internal/netstate each tick (SystemState), the Wi-Fi link iw's, read
// with internal/wifilink; see docs/watch.md.
//
// Memory is bounded whatever the watch's length: raw samples live in a
// ring of a few minutes, the watch keeps per-minute aggregates and one
// histogram per rung, and at most report.MaxWatchEvents events.
package watch

import (
	"context"
	"net/netip"
	"time"
)

// Role is a rung's place on the ladder.
type Role string

const (
	RoleGateway   Role = "gateway"    // the default gateway: the home router
	RoleFirstHop  Role = "first_hop"  // the provider's first router
	RoleAnchor    Role = "anchor"     // an internet test site
	RoleDNSServer Role = "dns_server" // the DNS server's round trip (ping)
	RoleDNSLookup Role = "dns_lookup" // a name looked up at the DNS server
	RoleVPN       Role = "vpn"        // the company's target through the VPN
)

// Level is a segment of the path, nearest first: a loss or an outage is
// located at the nearest level whose rungs show it.
type Level int

const (
	LevelUnknown  Level = 0
	LevelHome     Level = 1 // the computer, its Wi-Fi or cable, the router
	LevelProvider Level = 2 // the provider's access network
	LevelBeyond   Level = 3 // past the provider's first router
)

// Method is how a rung's round trip is measured.
type Method string

const (
	MethodICMP    Method = "icmp"     // ping sockets (no admin rights)
	MethodICMPRaw Method = "icmp_raw" // raw sockets
	MethodTCP     Method = "tcp"      // TCP connect times, when pings are not permitted
	MethodDNS     Method = "dns"      // a DNS query and its answer
)

// Rung is one target of the watch.
type Rung struct {
	Role  Role
	Label string // for people: "router", "internet 1.1.1.1"
	Addr  netip.Addr
	// Port is used by TCP connect probes and DNS lookups.
	Port int
	// Name is the name a dns_lookup rung looks up, or the host a
	// profile named (an anchor's or the VPN target's name).
	Name  string
	Level Level
	// Source says where the rung came from ("default route", "profile").
	Source string
}

// key identifies a rung across replans, so its statistics continue when
// the ladder is read again.
func (r Rung) key() string { return string(r.Role) + "|" + r.Addr.String() + "|" + r.Name }

// Outcome is what came of one probe.
type Outcome uint8

const (
	// Answered: a reply came in time (for a DNS lookup: any answer but
	// SERVFAIL or REFUSED).
	Answered Outcome = iota + 1
	// Lost: nothing came back in time (or the DNS server failed).
	Lost
	// NoRoute: the computer itself had no route to send it (network
	// unreachable): a fact about the machine, not the path.
	NoRoute
	// LocalError: the probe could not be sent for another local reason;
	// it counts neither as answered nor as lost.
	LocalError
)

func (o Outcome) String() string {
	switch o {
	case Answered:
		return "answered"
	case Lost:
		return "lost"
	case NoRoute:
		return "no_route"
	case LocalError:
		return "local_error"
	}
	return "unknown"
}

// Result is one probe's outcome as a Prober reports it.
type Result struct {
	Outcome Outcome
	RTT     time.Duration // for Answered
	// Bytes is what the probe sent and received, whole IP packets.
	Bytes int
	Err   error // for LocalError, the reason
}

// Prober sends one probe to a rung and returns at the latest after
// timeout (plus a little): the engine runs many at once.
type Prober interface {
	Probe(ctx context.Context, r Rung, timeout time.Duration) Result
	// Method is how this prober measures.
	Method() Method
	// Cost is what one probe to r sends and receives in bytes, for
	// planning the data budget.
	Cost(r Rung) int
}

// Instant is a reading of both clocks: the wall clock, for the report,
// and the monotonic clock, for every interval. Go's monotonic clock stops
// while Linux or macOS is suspended, so the two drift apart by the time
// the computer slept.
type Instant struct {
	Wall time.Time
	Mono time.Duration
}

// Clock is the engine's time.
type Clock interface {
	Now() Instant
	// SleepUntil waits until the monotonic clock reads mono, or ctx ends.
	SleepUntil(ctx context.Context, mono time.Duration) error
}

// State is the machine's network as the watch needs it, read every tick.
type State struct {
	// HasDefault: there is a way to the internet. The IPv4 one decides,
	// as the ladder is probed over IPv4; IPv6 counts only on a machine
	// without IPv4.
	HasDefault bool
	// Interface, Kind and Gateway are the connection internet traffic
	// leaves by: with a full-tunnel VPN up, the connection beneath the
	// tunnel and its router. Kind is wired, wifi, tunnel, other or ""
	// when unknown.
	Interface string
	Kind      string
	Gateway   netip.Addr
	// FullTunnel is the tunnel all internet traffic goes through (a
	// full-tunnel VPN), "" when none.
	FullTunnel string
	// Prefixes are Interface's addresses with their prefix lengths: the
	// home network, where a DNS server on it sits.
	Prefixes []netip.Prefix
	// Tunnels are the VPN-like interfaces that are up.
	Tunnels []string
	// DNSServers are the machine's DNS servers, in order.
	DNSServers []netip.Addr
	// WiFi is the link of the Wi-Fi interface in use; nil when none or
	// not readable.
	WiFi *WiFiLink
}

// WiFiLink is the Wi-Fi association.
type WiFiLink struct {
	BSSID string // the access point's MAC, "" when unknown
	// SignalDBm is the received signal; HasSignal false when unknown.
	SignalDBm float64
	HasSignal bool
	FreqMHz   int
	Channel   int
	Band      string // "2.4 GHz", "5 GHz", "6 GHz"
}

// NetState reads the machine's network state. The engine calls Read every
// tick; an implementation whose sources are costly (a process on Windows)
// may return a cached read of the last seconds.
type NetState interface {
	Read(ctx context.Context) (State, error)
}

// Ladder decides what to probe for a network state: called at the start
// and whenever the default path, the tunnels or the DNS servers change.
type Ladder interface {
	Plan(ctx context.Context, s State) (LadderPlan, error)
}

// LadderPlan is the rungs to probe, nearest first, with notes on rungs
// that could not be found ("no router past yours answered").
type LadderPlan struct {
	Rungs []Rung
	Notes []string
}

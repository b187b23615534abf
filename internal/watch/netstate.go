package watch

import (
	"context"
	"errors"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/wifilink"
)

// SystemState is the machine's network state as the watch needs it, taken
// from a fresh read of internal/netstate on every tick: the default path
// (kernel's answer first), the interfaces, the routes and the DNS
// settings, with the OS's own APIs where wfh has them (Config.Native).
// The Wi-Fi link, which netstate does not read, comes from WiFi.
type SystemState struct {
	// Net is the state whose Fresh reads the watch takes. Tests give it
	// netstate.Fake(first, next...).
	Net *netstate.State
	// WiFi reads the link of the Wi-Fi interface in use; nil reads none.
	WiFi WiFiReader

	mu sync.Mutex
	// The last DNS servers and tunnels read: a part that could not be read
	// this tick keeps them, so one slow source does not replan the ladder
	// without its DNS rungs.
	dns               []netip.Addr
	tunnels           []string
	dnsKnown, tunSeen bool
	answered          bool // a read has given the default path
}

// WiFiReader reads a Wi-Fi interface's association; nil when it is not
// associated or cannot be read.
type WiFiReader interface {
	Link(ctx context.Context, ifname string) *WiFiLink
}

// NewSystemState returns the watch's reader of the machine whose network
// cfg describes (checks.Env.NetConfig with Native set). The commands a
// read starts (resolvectl behind systemd-resolved's stub; scutil and
// ipconfig getsummary on macOS; reg and the text fallbacks on Windows) run
// at most every slowSourceEvery, their last answer standing in between;
// files, sockets and the OS's APIs are read every tick.
func NewSystemState(cfg netstate.Config) *SystemState {
	s := &SystemState{}
	if cfg.OS == "linux" && cfg.Exec != nil {
		s.WiFi = &iwReader{exec: cfg.Exec}
	}
	if cfg.Exec != nil {
		cfg.Exec = &slowCommands{run: cfg.Exec, every: slowSourceEvery}
	}
	s.Net = netstate.New(cfg)
	return s
}

// slowSourceEvery: a command the network read starts runs at most this
// often. A watch ticks every second for hours; a process a second is
// noticeable on a laptop, and DNS settings or an adapter's kind that are 5 s
// old still name the right servers and link (the route itself comes from
// a file or an API every tick, except on Windows' text fallback).
const slowSourceEvery = 5 * time.Second

// readPatience bounds the wait for a read once one has answered: the
// sources answer in milliseconds, and a hung one must not hold up the
// probes. A part not read by then keeps its last value (the default path
// is then not known this tick); the read itself goes on to
// netstate.ReadLimit, and a command's hang is kept as its answer for
// slowSourceEvery.
const readPatience = 500 * time.Millisecond

// Read takes a fresh read of the machine's network state. It fails only
// when the default path cannot be told.
func (s *SystemState) Read(ctx context.Context) (State, error) {
	// The read runs to its own end (netstate.ReadLimit) even when this
	// tick stops waiting, so that its commands' answers are kept for the
	// next ticks rather than killed and started again.
	fresh := s.Net.Fresh(context.WithoutCancel(ctx))
	s.mu.Lock()
	answered := s.answered
	s.mu.Unlock()
	wait := ctx
	if answered {
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, readPatience)
		defer cancel()
	}
	path, err := fresh.Path(wait)
	if err != nil {
		return State{}, err
	}
	ifaces, ierr := fresh.Interfaces(wait)
	routes, _ := fresh.Routes(wait)
	dns, derr := fresh.DNS(wait)

	st := stateOf(path, routes, ifaces, ierr == nil)
	s.mu.Lock()
	if ierr == nil || !s.tunSeen {
		s.tunnels, s.tunSeen = tunnelsOf(ifaces), ierr == nil
	}
	st.Tunnels = slices.Clone(s.tunnels)
	if derr == nil || !s.dnsKnown {
		s.dns, s.dnsKnown = dnsServersOf(dns), derr == nil
	}
	st.DNSServers = slices.Clone(s.dns)
	s.answered = true
	s.mu.Unlock()

	if st.HasDefault && st.Kind == string(netstate.KindWiFi) && s.WiFi != nil {
		st.WiFi = s.WiFi.Link(ctx, st.Interface)
	}
	return st, nil
}

// stateOf fills the default path. Internet traffic may leave through a
// full-tunnel VPN; the watch's interface, kind and router are then the
// connection beneath (the router is the rung that tells the home network
// from the rest, and Wi-Fi is named only when that connection is Wi-Fi).
func stateOf(p netstate.Path, rt netstate.Routes, ifaces []netstate.Interface, ifacesOK bool) State {
	var st State
	fam := defaultFamily(p, rt, ifaces, ifacesOK)
	if fam == "" {
		return st
	}
	st.HasDefault = true
	switch {
	case p.Known() && p.Family == fam:
		st.Interface, st.Kind, st.Gateway = p.Link, string(p.LinkKind), p.Router
		if p.Link == "" {
			// a tunnel with no other connection found beneath it
			st.Interface, st.Kind, st.Gateway = p.Interface, string(p.Kind), p.Gateway
		}
		if p.ViaTunnel() {
			st.FullTunnel = p.Interface
		}
	default:
		// The kernel named no way for this family, yet the table has a
		// default route: the table's best.
		d := rt.Defaults4()
		if fam == "ipv6" {
			d = rt.Defaults6()
		}
		if len(d) > 0 {
			st.Interface, st.Gateway = d[0].Interface, d[0].Gateway
			if i, ok := netstate.ByName(ifaces, d[0].Interface); ok {
				st.Kind = string(i.Kind)
			}
		}
	}
	if i, ok := netstate.ByName(ifaces, st.Interface); ok {
		st.Prefixes = slices.Clone(i.Addrs)
	}
	return st
}

// defaultFamily says whether the machine has a way to the internet, and in
// which family: "ipv4" when the kernel routes an IPv4 internet address or
// the table has an IPv4 default (the ladder is probed over IPv4), "ipv6"
// only on a machine without IPv4 at all, "" when there is none. A machine
// that has IPv4 addresses but has lost its IPv4 default cannot reach the
// IPv4 internet, however good its IPv6 route.
func defaultFamily(p netstate.Path, rt netstate.Routes, ifaces []netstate.Interface, ifacesOK bool) string {
	if p.Via4 != "" || len(rt.Defaults4()) > 0 {
		return "ipv4"
	}
	if hasIPv4(rt, ifaces, ifacesOK) {
		return ""
	}
	if p.Via6 != "" || len(rt.Defaults6()) > 0 {
		return "ipv6"
	}
	return ""
}

// hasIPv4 reports whether the machine has IPv4 beyond itself: an interface
// with a usable IPv4 address, or, when the interfaces are unknown, an IPv4
// route that is not loopback, link-local, multicast or broadcast (Windows
// lists those even on an IPv6-only machine).
func hasIPv4(rt netstate.Routes, ifaces []netstate.Interface, ifacesOK bool) bool {
	if ifacesOK {
		for _, i := range ifaces {
			if !i.Loopback && i.HasGlobal(false) {
				return true
			}
		}
		return false
	}
	for _, r := range rt.V4 {
		a := r.Dst.Addr()
		if r.Dst.IsValid() && !a.IsLoopback() && !a.IsLinkLocalUnicast() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return true
		}
	}
	return false
}

// tunnelsOf lists the VPN-like interfaces that are up (and have a link:
// a VPN adapter whose client is disconnected is not).
func tunnelsOf(ifaces []netstate.Interface) []string {
	var out []string
	for _, i := range ifaces {
		if i.Kind == netstate.KindTunnel && i.Up && !slices.Contains(out, i.Name) {
			out = append(out, i.Name)
		}
	}
	slices.Sort(out)
	return out
}

// dnsServersOf lists the servers asked for every name, in the system's
// order: not a VPN's per-domain ones, nor fallbacks. A local stub stays in
// the list (the ladder skips it for its upstream, which follows it).
func dnsServersOf(c netstate.DNSConfig) []netip.Addr {
	var out []netip.Addr
	for _, s := range c.General() {
		if a := s.Addr.Addr(); a.IsValid() && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// slowCommands runs each command line at most once every `every` and
// answers with its last output in between. A command stopped because its
// caller gave up is not an answer and is not kept.
type slowCommands struct {
	run   netstate.Commander
	every time.Duration
	now   func() time.Time // nil: time.Now

	mu   sync.Mutex
	last map[string]commandAnswer
}

type commandAnswer struct {
	out []byte
	err error
	at  time.Time
}

func (c *slowCommands) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	key := strings.Join(append([]string{name}, args...), "\x00")
	c.mu.Lock()
	a, ok := c.last[key]
	c.mu.Unlock()
	if ok && now().Sub(a.at) < c.every {
		return slices.Clone(a.out), a.err
	}
	out, err := c.run.Run(ctx, name, args...)
	if errors.Is(ctx.Err(), context.Canceled) {
		// its caller gave up: not the command's answer. A command still
		// running at the read's deadline hung, and that is kept.
		return out, err
	}
	c.mu.Lock()
	if c.last == nil {
		c.last = map[string]commandAnswer{}
	}
	c.last[key] = commandAnswer{out: slices.Clone(out), err: err, at: now()}
	c.mu.Unlock()
	return out, err
}

// iwReader reads a Linux Wi-Fi link with `iw dev IF link` (a netlink
// request, milliseconds), every tick: roams and signal drops are timed by
// it. An iw that hangs (a Wi-Fi driver stuck in netlink) is left alone for
// slowSourceEvery, so that it does not hold up every tick.
type iwReader struct {
	exec netstate.Commander
	now  func() time.Time // nil: time.Now

	mu        sync.Mutex
	hungUntil time.Time
}

// iwLimit bounds one iw: it answers in milliseconds, and a hung one must
// not hold up the tick for long.
const iwLimit = time.Second

func (r *iwReader) Link(ctx context.Context, ifname string) *WiFiLink {
	now := time.Now
	if r.now != nil {
		now = r.now
	}
	r.mu.Lock()
	hung := now().Before(r.hungUntil)
	r.mu.Unlock()
	if hung {
		return nil
	}
	ictx, cancel := context.WithTimeout(ctx, iwLimit)
	defer cancel()
	for _, name := range wifilink.IwCommands() {
		out, err := r.exec.Run(ictx, name, "dev", ifname, "link")
		if errors.Is(err, exec.ErrNotFound) {
			continue
		}
		if err != nil {
			if ctx.Err() == nil && ictx.Err() != nil {
				r.mu.Lock()
				r.hungUntil = now().Add(slowSourceEvery)
				r.mu.Unlock()
			}
			return nil
		}
		return linkOf(string(out))
	}
	return nil
}

// linkOf reads iw's output; nil when it is not associated. The access
// point is the address iw says it is connected to: for a Wi-Fi 7
// multi-link connection that is the access point's own (MLD) address,
// which stays put while its links come and go, so only a real roam
// changes it.
func linkOf(out string) *WiFiLink {
	il, err := wifilink.ParseIwLink(out)
	if err != nil || !il.Connected {
		return nil
	}
	l := &WiFiLink{BSSID: il.APAddress, SignalDBm: il.SignalDBM, HasSignal: il.HasSignal}
	if f := il.Freq(); f > 0 {
		l.FreqMHz = int(f)
		l.Channel, l.Band = wifilink.ChannelOf(f), wifilink.BandOf(f)
	}
	return l
}

package netstate

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// ReadLimit bounds one read of every source. The slowest text source
// (route print, ipconfig /all, scutil) answers in well under a second on a
// loaded machine; past 2 s a source is hung, and its part is left empty
// with that reason rather than holding up the checks that wait for it.
const ReadLimit = 2 * time.Second

// ErrNotRead is the error of every part of a nil State: nobody started a
// read for this environment (a test that left Env.Net unset).
var ErrNotRead = errors.New("the network state was not read")

// State is one read of the machine's network state, shared by every check
// of a run. Its accessors block until their part is read or ctx ends, and
// return a copy the caller may keep. A nil *State answers every part with
// ErrNotRead. It is safe for concurrent use.
type State struct {
	cfg      Config
	fixed    bool // built from values: nothing to read
	once     sync.Once
	started  chan struct{} // closed once the read began
	takenAt  time.Time
	ifaces   slot[[]Interface]
	routes   slot[Routes]
	path     slot[Path]
	dns      slot[DNSConfig]
	proxy    slot[Proxy]
	freshMu  sync.Mutex
	freshes  []Snapshot // what Fresh returns for a State built from values
	freshIdx int
	// tools is the read's (nil before it starts and for a State built
	// from values, whose Origins are origins).
	toolsMu sync.Mutex
	tools   *tools
	origins []Origin
	// egress is the read's way to ask the kernel for a route (nil for a
	// State built from values, and where the read has none).
	egress EgressSource
}

func (s *State) readTools() *tools {
	s.toolsMu.Lock()
	defer s.toolsMu.Unlock()
	return s.tools
}

// slot is one part: done is closed when v and err are final.
type slot[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func newSlot[T any]() slot[T] { return slot[T]{done: make(chan struct{})} }

func (s *slot[T]) set(v T, err error) {
	s.v, s.err = v, err
	close(s.done)
}

func (s *slot[T]) wait(ctx context.Context) (T, error) {
	select {
	case <-s.done:
		return s.v, s.err
	default:
	}
	select {
	case <-s.done:
		return s.v, s.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("stopped waiting for the network state: %w", ctx.Err())
	}
}

// New returns a State that reads with cfg once started. Reading starts
// with Start, or with the first accessor call (then bounded by ReadLimit
// alone), so an environment can carry a State before its run begins.
func New(cfg Config) *State {
	return &State{cfg: cfg, started: make(chan struct{}),
		ifaces: newSlot[[]Interface](), routes: newSlot[Routes](), path: newSlot[Path](),
		dns: newSlot[DNSConfig](), proxy: newSlot[Proxy]()}
}

// Start reads cfg's sources now, under ctx and ReadLimit, and returns the
// State the checks share.
func Start(ctx context.Context, cfg Config) *State {
	s := New(cfg)
	s.Start(ctx)
	return s
}

// Start begins the read, under ctx and ReadLimit, unless it has begun. It
// returns at once.
func (s *State) Start(ctx context.Context) {
	if s == nil {
		return
	}
	s.once.Do(func() {
		s.takenAt = s.cfg.now()
		close(s.started)
		if !s.fixed {
			s.read(ctx)
		}
	})
}

// Fresh reads every source again and returns the new State; s is left as
// it was, so the report keeps the one view its sections share. A State
// built with Fake returns its next fresh snapshot.
func (s *State) Fresh(ctx context.Context) *State {
	if s == nil {
		return nil
	}
	if s.fixed {
		s.freshMu.Lock()
		defer s.freshMu.Unlock()
		if len(s.freshes) == 0 {
			return s
		}
		next := s.freshes[min(s.freshIdx, len(s.freshes)-1)]
		s.freshIdx++
		return FromSnapshot(next)
	}
	return Start(ctx, s.cfg)
}

// FromSnapshot returns a State whose parts are snap's, already read: the
// fake other packages' tests hand to checks. A part named in snap.Problems
// answers with the problem's reason as its error. Fresh returns the same
// State.
func FromSnapshot(snap Snapshot) *State {
	return Fake(snap)
}

// Fake is FromSnapshot whose Fresh returns fresh[0], then fresh[1], and
// so on (the last one again once they run out): a machine whose state
// changes while a check runs.
func Fake(snap Snapshot, fresh ...Snapshot) *State {
	s := New(Config{})
	s.fixed = true
	s.freshes = fresh
	s.once.Do(func() { close(s.started) })
	s.takenAt = snap.TakenAt
	problem := func(p Part) error {
		for _, pr := range snap.Problems {
			if pr.Part == p {
				return errors.New(pr.Reason)
			}
		}
		return nil
	}
	snap = snap.clone()
	s.origins = snap.Origins
	s.ifaces.set(snap.Interfaces, problem(PartInterfaces))
	s.routes.set(snap.Routes, problem(PartRoutes))
	s.path.set(snap.Path, problem(PartPath))
	s.dns.set(snap.DNS, problem(PartDNS))
	s.proxy.set(snap.Proxy, problem(PartProxy))
	return s
}

// ensure starts a read nobody started: the first accessor of a State that
// only New made.
func (s *State) ensure() {
	select {
	case <-s.started:
	default:
		s.Start(context.Background())
	}
}

// Interfaces returns every interface, once read.
func (s *State) Interfaces(ctx context.Context) ([]Interface, error) {
	if s == nil {
		return nil, ErrNotRead
	}
	s.ensure()
	v, err := s.ifaces.wait(ctx)
	return cloneInterfaces(v), err
}

// Routes returns the routing tables, interfaces named, once read.
func (s *State) Routes(ctx context.Context) (Routes, error) {
	if s == nil {
		return Routes{}, ErrNotRead
	}
	s.ensure()
	v, err := s.routes.wait(ctx)
	return v.clone(), err
}

// Path returns the way internet traffic leaves, once known. It waits for
// the interfaces and routes too.
func (s *State) Path(ctx context.Context) (Path, error) {
	if s == nil {
		return Path{}, ErrNotRead
	}
	s.ensure()
	return s.path.wait(ctx)
}

// DNS returns the resolver configuration, once read.
func (s *State) DNS(ctx context.Context) (DNSConfig, error) {
	if s == nil {
		return DNSConfig{}, ErrNotRead
	}
	s.ensure()
	v, err := s.dns.wait(ctx)
	return v.clone(), err
}

// Proxy returns the proxy configuration, once read.
func (s *State) Proxy(ctx context.Context) (Proxy, error) {
	if s == nil {
		return Proxy{}, ErrNotRead
	}
	s.ensure()
	return s.proxy.wait(ctx)
}

// Egress is the kernel's answer to "which way does traffic to this address
// leave": the local address it would leave with and the interface of this
// State that has it.
type Egress struct {
	Source netip.Addr
	// Interface is "" when no interface of this State has Source: the
	// interfaces changed since the read (a VPN that connects on demand
	// came up), and a fresh read names it.
	Interface string
}

// egressLimit bounds one question: a UDP "connect" only asks the kernel
// for a route and returns at once; a second means the system is wedged.
const egressLimit = time.Second

// errNoEgress is Egress's error where the kernel cannot be asked.
var errNoEgress = errors.New("the system cannot be asked which way traffic leaves")

// Egress asks the kernel which way traffic to dst leaves, with every
// policy rule applied (wg-quick's full tunnel lives in a table of its
// own, VPN clients install their own rules), the way the read asked for
// the default path: a Winsock socket on Windows (Go's own UDP sockets fail
// under Wine, and a route-table lookup would miss what the kernel's
// source selection decides), a UDP socket "connected" through
// Config.Dialer elsewhere. Nothing is sent. It answers for the machine as
// it is now; the interface is named from this State's list.
func (s *State) Egress(ctx context.Context, dst netip.Addr) (Egress, error) {
	if s == nil {
		return Egress{}, ErrNotRead
	}
	s.ensure()
	s.toolsMu.Lock()
	src := s.egress
	s.toolsMu.Unlock()
	if src == nil || !dst.IsValid() {
		return Egress{}, errNoEgress
	}
	ctx, cancel := context.WithTimeout(ctx, egressLimit)
	defer cancel()
	a, err := bounded(ctx, "the route to "+dst.String(), func(ctx context.Context) (netip.Addr, error) {
		return src.Egress(ctx, dst.Unmap())
	})
	if err != nil {
		return Egress{}, err
	}
	a = a.Unmap().WithZone("")
	list, _ := s.Interfaces(ctx)
	return Egress{Source: a, Interface: Owner(list, a)}, nil
}

// Snapshot waits for every part (or ctx) and returns them as one value,
// with a Problem for each part that could not be read.
func (s *State) Snapshot(ctx context.Context) Snapshot {
	var snap Snapshot
	if s == nil {
		for _, p := range []Part{PartInterfaces, PartRoutes, PartPath, PartDNS, PartProxy} {
			snap.Problems = append(snap.Problems, Problem{Part: p, Reason: ErrNotRead.Error()})
		}
		return snap
	}
	s.ensure()
	var errs [5]error
	snap.Interfaces, errs[0] = s.Interfaces(ctx)
	snap.Routes, errs[1] = s.Routes(ctx)
	snap.Path, errs[2] = s.Path(ctx)
	snap.DNS, errs[3] = s.DNS(ctx)
	snap.Proxy, errs[4] = s.Proxy(ctx)
	snap.TakenAt = s.takenAt
	for i, p := range partOrder {
		if errs[i] != nil {
			snap.Problems = append(snap.Problems, Problem{Part: p, Reason: errs[i].Error()})
		}
	}
	snap.Origins = slices.Clone(s.origins)
	if t := s.readTools(); t != nil {
		snap.Origins = t.originList()
	}
	return snap
}

// Problems returns the parts that could not be read, waiting for them (or
// ctx).
func (s *State) Problems(ctx context.Context) []Problem {
	return s.Snapshot(ctx).Problems
}

func (r Routes) clone() Routes {
	return Routes{V4: slices.Clone(r.V4), V6: slices.Clone(r.V6)}
}

func cloneInterfaces(list []Interface) []Interface {
	if list == nil {
		return nil
	}
	out := slices.Clone(list)
	for i := range out {
		out[i].Addrs = slices.Clone(out[i].Addrs)
	}
	return out
}

func (c DNSConfig) clone() DNSConfig {
	c.Servers = slices.Clone(c.Servers)
	for i := range c.Servers {
		c.Servers[i].Domains = slices.Clone(c.Servers[i].Domains)
	}
	c.Search = slices.Clone(c.Search)
	c.Problems = slices.Clone(c.Problems)
	c.Notes = slices.Clone(c.Notes)
	return c
}

func (s Snapshot) clone() Snapshot {
	s.Interfaces = cloneInterfaces(s.Interfaces)
	s.Routes = s.Routes.clone()
	s.DNS = s.DNS.clone()
	s.Problems = slices.Clone(s.Problems)
	s.Origins = slices.Clone(s.Origins)
	return s
}

// read runs every source at once. Each part is set when its source
// answers or when the read's time is up, whichever comes first: a hung
// command costs its part, never the checks' time.
func (s *State) read(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, ReadLimit)
	src, t := sourcesWithTools(s.cfg)
	s.toolsMu.Lock()
	s.tools, s.egress = t, src.Egress
	s.toolsMu.Unlock()

	var wg sync.WaitGroup
	wg.Go(func() {
		v, err := bounded(ctx, "the interface list", func(ctx context.Context) ([]Interface, error) {
			if src.Interfaces == nil {
				return nil, errNoSource
			}
			return src.Interfaces.Interfaces(ctx)
		})
		s.ifaces.set(v, err)
	})
	wg.Go(func() {
		raw, err := bounded(ctx, "the route table", func(ctx context.Context) (Routes, error) {
			if src.Routes == nil {
				return Routes{}, errNoSource
			}
			return src.Routes.Routes(ctx)
		})
		ifaces, _ := s.ifaces.wait(ctx)
		s.routes.set(nameRoutes(raw, ifaces), err)
	})
	wg.Go(func() {
		type answer struct {
			src netip.Addr
			err error
		}
		var a4, a6 answer
		var inner sync.WaitGroup
		for _, q := range []struct {
			dst netip.Addr
			out *answer
		}{{internetProbe4, &a4}, {internetProbe6, &a6}} {
			inner.Go(func() {
				q.out.src, q.out.err = bounded(ctx, "the route to the internet", func(ctx context.Context) (netip.Addr, error) {
					if src.Egress == nil {
						return netip.Addr{}, errNoSource
					}
					return src.Egress.Egress(ctx, q.dst)
				})
			})
		}
		inner.Wait()
		ifaces, ierr := s.ifaces.wait(ctx)
		rt, rerr := s.routes.wait(ctx)
		p := choosePath(ifaces, rt, a4.src, a6.src)
		var err error
		if !p.FromKernel && (ierr != nil || rerr != nil) {
			// The socket's own error is platform text ("wsaioctl: winapi
			// error #10045" under Wine), which no report may carry.
			err = fmt.Errorf("the kernel could not be asked which way traffic leaves, and %v", firstErr(rerr, ierr))
		}
		s.path.set(p, err)
	})
	wg.Go(func() {
		v, err := bounded(ctx, "the DNS settings", func(ctx context.Context) (DNSConfig, error) {
			if src.DNS == nil {
				return DNSConfig{}, errNoSource
			}
			return src.DNS.DNS(ctx)
		})
		s.dns.set(v, err)
	})
	wg.Go(func() {
		fromEnv := ProxyFromEnv(s.cfg.Getenv)
		v, err := bounded(ctx, "the proxy settings", func(ctx context.Context) (Proxy, error) {
			if src.Proxy == nil {
				return Proxy{}, nil // the OS keeps none beyond the environment
			}
			return src.Proxy.Proxy(ctx)
		})
		s.proxy.set(mergeProxy(fromEnv, v), err)
	})
	go func() {
		wg.Wait()
		cancel()
	}()
}

var errNoSource = errors.New("not supported on this OS")

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// bounded runs read in a goroutine of its own and returns its answer, or
// an error saying the source did not answer when ctx ends first. A panic
// in a source becomes an error: it must not take the run down.
func bounded[T any](ctx context.Context, what string, read func(context.Context) (T, error)) (T, error) {
	type answer struct {
		v   T
		err error
	}
	ch := make(chan answer, 1) // buffered: a source that answers late must not block
	go func() {
		defer func() {
			if v := recover(); v != nil {
				ch <- answer{err: fmt.Errorf("reading %s failed (a bug in wfh): %v", what, v)}
			}
		}()
		v, err := read(ctx)
		ch <- answer{v, err}
	}()
	select {
	case a := <-ch:
		return a.v, a.err
	case <-ctx.Done():
		var zero T
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return zero, fmt.Errorf("the system did not list %s within %v", what, ReadLimit)
		}
		return zero, fmt.Errorf("reading %s was stopped", what)
	}
}

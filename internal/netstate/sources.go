package netstate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/internal/oemtext"
	"github.com/wfh-cli/wfh/internal/textutil"
)

// Config says where a read looks. Every field may be a fake; checks build
// it from their environment (checks.Env).
type Config struct {
	// OS picks the sources: "linux", "darwin", "windows", or another
	// (resolv.conf only).
	OS string
	// FS is the filesystem root ("/" on the real machine). Paths are
	// slash-separated and unrooted: "proc/net/route".
	FS fs.FS
	// Exec runs commands; checks.ExecCommander satisfies it.
	Exec Commander
	// Getenv reads the proxy variables.
	Getenv func(string) string
	// Dialer asks the kernel which way a destination is routed (a UDP
	// "connect" sends nothing); nil leaves the path to the route table.
	Dialer Dialer
	// ListInterfaces lists the OS's interfaces; nil means net.Interfaces.
	ListInterfaces func() ([]SysInterface, error)
	// Native lets sources_GOOS.go use the OS's own APIs when OS is the
	// running one (the real machine); tests leave it false and read
	// through FS and Exec.
	Native bool
	// native, when set, stands in for the running OS's platformSources
	// (with Native set): tests put the native sources of another OS,
	// with fake API values, in front of its text sources.
	native func(t *tools, text Sources) Sources
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Commander runs a command and returns its standard output;
// checks.Commander has the same method.
type Commander interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// Dialer is satisfied by *net.Dialer.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// The sources, one small interface per part, so that a native source can
// replace a text one part by part.
type (
	// InterfaceSource lists the interfaces with their kinds.
	InterfaceSource interface {
		Interfaces(ctx context.Context) ([]Interface, error)
	}
	// RouteSource reads the route tables. Interface references may be
	// Windows-style ("10.0.0.5", "if12"); the read names them.
	RouteSource interface {
		Routes(ctx context.Context) (Routes, error)
	}
	// DNSConfigSource reads the resolver configuration.
	DNSConfigSource interface {
		DNS(ctx context.Context) (DNSConfig, error)
	}
	// ProxySource reads the OS's proxy settings (the environment's are
	// read by the State itself).
	ProxySource interface {
		Proxy(ctx context.Context) (Proxy, error)
	}
	// EgressSource asks the kernel which source address traffic to dst
	// would leave with, every policy rule applied.
	EgressSource interface {
		Egress(ctx context.Context, dst netip.Addr) (netip.Addr, error)
	}
)

// Sources are what one read uses.
type Sources struct {
	Interfaces InterfaceSource
	Routes     RouteSource
	DNS        DNSConfigSource
	Proxy      ProxySource
	Egress     EgressSource
}

// sourcesFor picks the sources of cfg.OS: the native ones of the running
// OS when cfg.Native, else those reading the OS's tools through cfg.FS and
// cfg.Exec. A new command cache per read makes every command run once per
// read even when two parts parse its output (ipconfig /all on Windows).
func sourcesFor(cfg Config) Sources {
	s, _ := sourcesWithTools(cfg)
	return s
}

// sourcesWithTools is sourcesFor that also returns the read's tools, which
// keep the read's Origins.
func sourcesWithTools(cfg Config) (Sources, *tools) {
	t := &tools{cfg: cfg, cmds: map[string]*cmdResult{}}
	var s Sources
	switch cfg.OS {
	case "linux":
		s = linuxSources(t)
	case "darwin":
		s = darwinSources(t)
	case "windows":
		s = windowsSources(t)
	default:
		s = Sources{Interfaces: goInterfaces{t, nameKinds}, DNS: resolvConfSource{t}}
	}
	if cfg.Dialer != nil {
		s.Egress = dialEgress{cfg.Dialer}
	}
	switch {
	case cfg.Native && cfg.native != nil:
		s = cfg.native(t, s)
	case cfg.Native && cfg.OS == runtime.GOOS:
		s = platformSources(t, s)
	}
	return s, t
}

// internetProbe4 and internetProbe6 are where "the internet" is for the
// route lookup: addresses of the documentation ranges (RFC 5737, RFC
// 3849), which no VPN routes on purpose, so the default route decides.
// Nothing is sent to them.
var (
	internetProbe4 = netip.MustParseAddr("198.51.100.1")
	internetProbe6 = netip.MustParseAddr("2001:db8::1")
)

// dialEgress asks the kernel with a UDP socket "connected" to dst: the
// connect picks the route, policy rules included (wg-quick's full tunnel
// lives in a table the main route table does not show), and sends no
// packet. The socket's local address is the route's source.
type dialEgress struct{ d Dialer }

func (e dialEgress) Egress(ctx context.Context, dst netip.Addr) (netip.Addr, error) {
	network := "udp4"
	if dst.Is6() && !dst.Is4In6() {
		network = "udp6"
	}
	// Port 9 (discard): any port would do, nothing is sent.
	conn, err := e.d.DialContext(ctx, network, netip.AddrPortFrom(dst, 9).String())
	if err != nil {
		return netip.Addr{}, err
	}
	defer conn.Close()
	ua, ok := conn.LocalAddr().(*net.UDPAddr)
	if !ok {
		return netip.Addr{}, fmt.Errorf("unexpected local address %v", conn.LocalAddr())
	}
	src, ok := netip.AddrFromSlice(ua.IP)
	if !ok {
		return netip.Addr{}, fmt.Errorf("unexpected local address %v", ua)
	}
	return src.Unmap(), nil
}

// Owner returns the interface that has address a, "" when none does.
func Owner(list []Interface, a netip.Addr) string {
	for _, i := range list {
		if i.Has(a) {
			return i.Name
		}
	}
	return ""
}

// ByName finds an interface.
func ByName(list []Interface, name string) (Interface, bool) {
	for _, i := range list {
		if i.Name == name {
			return i, true
		}
	}
	return Interface{}, false
}

// nameRoutes replaces the interface references some route tables use
// (Windows: the interface's IPv4 address, "if<index>") with names, so every
// OS reports "via Wi-Fi", not "via 12".
func nameRoutes(rt Routes, list []Interface) Routes {
	rt = rt.clone()
	for _, rs := range [][]Route{rt.V4, rt.V6} {
		for k := range rs {
			ref := rs[k].Interface
			if _, ok := ByName(list, ref); ok {
				continue
			}
			if idx, ok := strings.CutPrefix(ref, "if"); ok {
				if n, err := strconv.Atoi(idx); err == nil && n > 0 {
					for _, i := range list {
						if i.Index == n {
							rs[k].Interface = i.Name
						}
					}
				}
				continue
			}
			if a, err := netip.ParseAddr(ref); err == nil {
				if name := Owner(list, a); name != "" {
					rs[k].Interface = name
				}
			}
		}
	}
	return rt
}

// choosePath works out the default path from what the kernel answered
// (src4, src6: the source addresses of routes to the internet, invalid when
// it could not be asked or has no route) and the tables. The kernel's
// answer wins; the main table's best default route stands in when the
// kernel could not be asked or named an address no interface has.
func choosePath(list []Interface, rt Routes, src4, src6 netip.Addr) Path {
	var p Path
	if src4.IsValid() {
		p.Via4 = Owner(list, src4)
	}
	if src6.IsValid() {
		p.Via6 = Owner(list, src6)
	}
	switch {
	case p.Via4 != "":
		p.Interface, p.Family, p.FromKernel = p.Via4, "ipv4", true
	case p.Via6 != "":
		p.Interface, p.Family, p.FromKernel = p.Via6, "ipv6", true
	}
	defaults := map[string][]Route{"ipv4": rt.Defaults4(), "ipv6": rt.Defaults6()}
	if p.Interface == "" {
		for _, fam := range []string{"ipv4", "ipv6"} {
			if d := defaults[fam]; len(d) > 0 {
				p.Interface, p.Family = d[0].Interface, fam
				break
			}
		}
	}
	if p.Interface == "" {
		return Path{}
	}
	p.Kind = kindOf(list, p.Interface)
	for _, d := range defaults[p.Family] {
		if d.Interface == p.Interface && d.Gateway.IsValid() {
			p.Gateway = d.Gateway
			break
		}
	}
	p.Link, p.LinkKind, p.Router = p.Interface, p.Kind, p.Gateway
	if p.Kind == KindTunnel {
		// The tunnel's own packets leave by the best default route that is
		// not a tunnel; both families are tried, the path's first.
		p.Link, p.LinkKind, p.Router = "", "", netip.Addr{}
		other := map[string]string{"ipv4": "ipv6", "ipv6": "ipv4"}[p.Family]
	search:
		for _, fam := range []string{p.Family, other} {
			for _, d := range defaults[fam] {
				if k := kindOf(list, d.Interface); k != KindTunnel && k != KindLoopback && d.Interface != p.Interface {
					p.Link, p.LinkKind, p.Router = d.Interface, k, d.Gateway
					break search
				}
			}
		}
	}
	return p
}

func kindOf(list []Interface, name string) Kind {
	if i, ok := ByName(list, name); ok {
		return i.Kind
	}
	return ""
}

// tools runs the commands and reads the files of one read, and keeps
// which source answered each part that has a fallback.
type tools struct {
	cfg     Config
	mu      sync.Mutex
	cmds    map[string]*cmdResult
	origins []Origin
}

// answered records which source answered a part.
func (t *tools) answered(o Origin) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.origins = append(t.origins, o)
}

// originList returns the Origins recorded so far, in the parts' order.
func (t *tools) originList() []Origin {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	out := slices.Clone(t.origins)
	sortOrigins(out)
	return out
}

var partOrder = []Part{PartInterfaces, PartRoutes, PartPath, PartDNS, PartProxy}

func sortOrigins(list []Origin) {
	slices.SortStableFunc(list, func(a, b Origin) int {
		return slices.Index(partOrder, a.Part) - slices.Index(partOrder, b.Part)
	})
}

type cmdResult struct {
	once sync.Once
	out  string
	err  error
}

// maxFile bounds a file read: /proc/net/route of a full internet table in a
// namespace would be megabytes, a desktop's is a few hundred bytes, and a
// link to a device must not hang the read.
const maxFile = 4 << 20

func (t *tools) readFile(ctx context.Context, name string) ([]byte, error) {
	return textutil.ReadSmall(ctx, t.cfg.FS, name, maxFile)
}

// ErrNotInstalled marks a command that is not on the machine, so a source
// can fall back to another without calling it a failure.
var ErrNotInstalled = errors.New("not installed or not on PATH")

// run runs a command once per read, however many parts parse its output,
// and returns its output as text, also when it fails (some tools print
// what is useful and exit non-zero). The error names the command.
func (t *tools) run(ctx context.Context, name string, args ...string) (string, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	t.mu.Lock()
	r, ok := t.cmds[line]
	if !ok {
		r = &cmdResult{}
		t.cmds[line] = r
	}
	t.mu.Unlock()
	r.once.Do(func() { r.out, r.err = t.runNow(ctx, name, args...) })
	return r.out, r.err
}

// runConsole is run for Windows' console tools (ipconfig, route, reg,
// powershell): redirected to a pipe they write in the console's code page,
// the OEM one of the system's language (GBK, CP850, Shift-JIS), which
// oemtext turns into UTF-8 so that localised headers and labels are read
// as words, not as replacement characters.
func (t *tools) runConsole(ctx context.Context, name string, args ...string) (string, error) {
	out, err := t.run(ctx, name, args...)
	return oemtext.Decode([]byte(out)), err
}

func (t *tools) runNow(ctx context.Context, name string, args ...string) (string, error) {
	if t.cfg.Exec == nil {
		return "", fmt.Errorf("%s: no command runner", name)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	out, err := t.cfg.Exec.Run(ctx, name, args...)
	text := textutil.DecodeText(out)
	switch {
	case err == nil:
		return text, nil
	case errors.Is(err, exec.ErrNotFound):
		return "", fmt.Errorf("%s is %w", filepath.Base(name), ErrNotInstalled)
	case ctx.Err() != nil:
		return text, fmt.Errorf("%s did not answer in time: %w", name, ctx.Err())
	case strings.Contains(err.Error(), name):
		return text, err
	}
	return text, fmt.Errorf("%s: %w", name, err)
}

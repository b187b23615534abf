package all

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
)

// rawPlatformText is what no report may carry, on any OS: Go's words for a
// missing program ("exec: \"route\": executable file not found in %PATH%"),
// its text for a Windows code it cannot name ("winapi error #10045"), the
// Winsock and Win32 calls its errors repeat, Unix errno numbers Go prints
// for a code it does not know, and Windows' own messages. The Wine tests
// (internal/winetest) scan wfh.exe's reports with the same kind of pattern.
var rawPlatformText = regexp.MustCompile(`(?i)executable file not found|%PATH%|\$PATH|exec: "|winapi|error #\d|errno \d|\bWSAE|wsaioctl|wsarecv|wsasend|connectex|getaddrinfow|forcibly closed|actively refused|socket operation`)

// platformErr is a socket error with the text Go on the given OS gives it
// ("connectex: No connection could be made because the target machine
// actively refused it."), over the code every OS classifies.
type platformErr struct {
	code syscall.Errno
	text string
}

func (e platformErr) Error() string { return e.text }
func (e platformErr) Unwrap() error { return e.code }

// hostileNet is a machine's network as it fails on goos, in its words:
// every TCP connection fails (refused, cut, timed out, unreachable, by
// address), every UDP socket fails as Go's do under Wine (WSAIoctl
// SIO_UDP_NETRESET refused), and half the names do not resolve. Nothing
// leaves this process.
type hostileNet struct{ goos string }

// pick chooses among n failures by the address, so that every kind is met.
func pick(s string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int(h.Sum32() % uint32(n))
}

func (h hostileNet) tcpErr(address string) error {
	failures := []platformErr{
		{10061, "connectex: No connection could be made because the target machine actively refused it."},
		{10054, "wsarecv: An existing connection was forcibly closed by the remote host."},
		{10060, "connectex: A connection attempt failed because the connected party did not properly respond after a period of time."},
		{10065, "connectex: A socket operation was attempted to an unreachable host."},
		{10013, "connectex: An attempt was made to access a socket in a way forbidden by its access permissions."},
		{10050, "connectex: winapi error #10050"},
	}
	if h.goos != "windows" {
		failures = []platformErr{
			{syscall.ECONNREFUSED, "connect: connection refused"},
			{syscall.ECONNRESET, "read: connection reset by peer"},
			{syscall.ETIMEDOUT, "connect: connection timed out"},
			{syscall.EHOSTUNREACH, "connect: no route to host"},
			{syscall.EPERM, "connect: operation not permitted"},
			{syscall.Errno(200), "connect: errno 200"},
		}
	}
	return failures[pick(address, len(failures))]
}

var wsaioctl = platformErr{10045, "wsaioctl: winapi error #10045"}

func (h hostileNet) DialContext(_ context.Context, network, address string) (net.Conn, error) {
	err := h.tcpErr(address)
	if network[:3] == "udp" {
		err = wsaioctl
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: &os.SyscallError{Syscall: "dial", Err: err}}
}

func (h hostileNet) ListenPacket(_ context.Context, network, _ string) (net.PacketConn, error) {
	return nil, &net.OpError{Op: "listen", Net: network, Err: wsaioctl}
}

func (h hostileNet) LookupHost(ctx context.Context, host string) ([]string, error) {
	ias, err := h.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	return []string{ias[0].IP.String()}, nil
}

func (h hostileNet) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	if pick(host, 2) == 0 {
		// A documentation address: every dial to it fails above.
		return []net.IPAddr{{IP: net.ParseIP("192.0.2.10")}}, nil
	}
	text := "getaddrinfow: A non-recoverable error occurred during a database lookup."
	if h.goos != "windows" {
		text = "read udp 10.0.0.2:40000->10.0.0.1:53: i/o timeout: errno 5"
	}
	return nil, &net.DNSError{Err: text, Name: host, UnwrapErr: platformErr{11003, text}}
}

// hostileEnv is a machine of goos on which no program is installed and
// every network operation fails in the OS's words.
func hostileEnv(goos string) *checks.Env {
	h := hostileNet{goos: goos}
	p := profile.Default()
	p.VPN = profile.VPN{Gateway: "vpn.acme.example", GatewayType: "tls", Targets: []string{"https://intranet.acme.example/", "files.acme.example:445"}}
	for i, kind := range []string{profile.KindHTTPS, profile.KindRDP, profile.KindRDGateway, profile.KindAVD, profile.KindSSH,
		profile.KindSMTP, profile.KindIMAP, profile.KindCitrix, profile.KindTCP} {
		s := profile.Service{Name: kind, Kind: kind, Address: fmt.Sprintf("%s%d.acme.example", kind, i)}
		switch kind {
		case profile.KindHTTPS, profile.KindRDGateway, profile.KindCitrix:
			s.Address = "https://" + s.Address + "/"
		case profile.KindAVD:
			s.Address = ""
		case profile.KindTCP:
			s.Address += ":8443"
		}
		p.Services = append(p.Services, s)
	}
	env := &checks.Env{
		Now: time.Now, OS: goos, Arch: "amd64", FS: fstest.MapFS{}, Exec: checkstest.NoCommands{OS: goos},
		Dialer: h, ListenPacket: h.ListenPacket, Resolver: h,
		HTTP:    &http.Client{Transport: &http.Transport{DialContext: h.DialContext, Proxy: nil}},
		Getenv:  func(string) string { return "" },
		Profile: p,
	}
	cfg := env.NetConfig()
	cfg.ListInterfaces = func() ([]netstate.SysInterface, error) {
		return []netstate.SysInterface{
			{Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagRunning | net.FlagLoopback, Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}},
			{Index: 2, Name: "eth0", MTU: 1500, MAC: "00:11:22:33:44:55", Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.20/24")}},
		}, nil
	}
	env.Net = netstate.New(cfg)
	return env
}

// TestNoRawPlatformText runs every check on a machine of each OS where no
// program is installed (Windows' "%PATH%" wording on Windows) and every
// socket, connection and lookup fails with the platform's own text: no
// result carries that text. The checks run as wfh doctor runs them (the
// offline machine skips those that need the internet), and once more
// each on its own, so those run too: latency's probes are real sockets,
// sent to this machine's loopback only.
func TestNoRawPlatformText(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		t.Run(goos, func(t *testing.T) {
			t.Parallel()
			env := hostileEnv(goos)
			out := (&checks.Runner{Env: *env, Timeout: 40 * time.Second}).Run(t.Context(), Checks())
			results := out.Results
			for _, c := range Checks() {
				e := *env
				if c.ID() == "latency" {
					// Its probes are real sockets: they go to this
					// machine's loopback only.
					p := *e.Profile
					p.Latency.Anchors = []string{"127.0.0.1"}
					e.Profile = &p
				}
				ctx, cancel := context.WithTimeout(t.Context(), c.Budget())
				res := c.Run(ctx, &e)
				cancel()
				res.ID = c.ID() + " (alone)"
				results = append(results, res)
			}
			for _, r := range results {
				raw, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				if m := rawPlatformText.FindAll(raw, -1); m != nil {
					t.Errorf("%s: raw platform text %q in\n%s", r.ID, m, raw)
				}
			}
			for _, r := range results {
				t.Logf("%s: %s %s", r.ID, r.Status, r.Summary)
			}
		})
	}
}

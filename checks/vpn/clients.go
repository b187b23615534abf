package vpn

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// client is one VPN product wfh recognises, by the processes it runs on
// each OS and by the tunnel it makes: a name prefix of the interface
// (Linux, macOS) or a phrase of the adapter's description (Windows). The
// same table is in docs/checks.md; a test keeps the two in step.
type client struct {
	Name string
	// Processes are executable names as the OS lists them, compared
	// case-insensitively without ".exe".
	Linux, Darwin, Windows []string
	// Ifaces are interface name prefixes this client's tunnels use.
	Ifaces []string
	// Adapters are phrases of Windows adapter descriptions.
	Adapters []string
}

// clients is the table. Process names come from the vendors' lists of
// processes to allow in endpoint security products (Palo Alto Networks,
// Zscaler), their administrator guides (Cisco, Fortinet) and the open
// source projects' own binaries.
var clients = []client{
	{Name: "Cisco Secure Client (AnyConnect)",
		Linux: []string{"vpnagentd"}, Darwin: []string{"vpnagentd", "Cisco Secure Client", "Cisco AnyConnect Secure Mobility Client"},
		Windows: []string{"vpnagent", "vpnui"}, Ifaces: []string{"cscotun"}, Adapters: []string{"anyconnect", "cisco secure client"}},
	{Name: "GlobalProtect",
		Linux: []string{"PanGPS", "PanGPA", "globalprotect"}, Darwin: []string{"PanGPS", "GlobalProtect"},
		Windows: []string{"PanGPS", "PanGPA"}, Ifaces: []string{"gpd"}, Adapters: []string{"pangp", "globalprotect"}},
	{Name: "FortiClient",
		Linux: []string{"forticlient", "openfortivpn"}, Darwin: []string{"FortiClient", "FortiTray", "openfortivpn"},
		Windows: []string{"FortiClient", "FortiSSLVPNdaemon", "FortiTray"}, Adapters: []string{"fortinet", "forticlient"}},
	{Name: "OpenVPN",
		Linux: []string{"openvpn"}, Darwin: []string{"openvpn", "Tunnelblick", "OpenVPN Connect"},
		Windows: []string{"openvpn", "openvpn-gui", "openvpnserv", "OpenVPNConnect"}, Adapters: []string{"openvpn", "tap-windows"}},
	{Name: "OpenConnect",
		Linux: []string{"openconnect"}, Darwin: []string{"openconnect"}, Windows: []string{"openconnect"}},
	{Name: "WireGuard",
		Linux: []string{"wireguard-go"}, Darwin: []string{"wireguard-go", "WireGuard"},
		Windows: []string{"wireguard"}, Ifaces: []string{"wg"}, Adapters: []string{"wireguard"}},
	{Name: "Tailscale",
		Linux: []string{"tailscaled"}, Darwin: []string{"tailscaled", "Tailscale", "IPNExtension"},
		Windows: []string{"tailscaled", "tailscale-ipn"}, Ifaces: []string{"tailscale"}, Adapters: []string{"tailscale"}},
	{Name: "Zscaler Client Connector",
		Darwin: []string{"Zscaler", "ZscalerTunnel"}, Windows: []string{"ZSATunnel", "ZSATray", "ZSAService"},
		Adapters: []string{"zscaler"}},
	{Name: "Ivanti Secure Access (Pulse Secure)",
		Linux: []string{"pulsesvc"}, Darwin: []string{"Pulse Secure", "dsAccessService"},
		Windows: []string{"Pulse", "dsAccessService"}, Adapters: []string{"pulse secure", "juniper", "ivanti"}},
	{Name: "strongSwan (IPsec)",
		Linux: []string{"charon", "charon-systemd"}, Darwin: []string{"charon"}, Windows: []string{"charon-svc"}, Ifaces: []string{"ipsec"}},
}

// processNames returns the client's process names for goos.
func (c client) processNames(goos string) []string {
	switch goos {
	case "linux":
		return c.Linux
	case "darwin":
		return c.Darwin
	case "windows":
		return c.Windows
	}
	return nil
}

// normProcess reduces a process name to what the table compares: the base
// name (macOS ps prints paths), without ".exe", lower case.
func normProcess(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.ToLower(s)
	return strings.TrimSuffix(s, ".exe")
}

// runningClients returns the clients with at least one process in procs,
// with the first process name seen, in table order.
func runningClients(goos string, procs []string) []detectedClient {
	have := map[string]string{}
	for _, p := range procs {
		if n := normProcess(p); n != "" {
			if _, ok := have[n]; !ok {
				have[n] = p
			}
		}
	}
	var out []detectedClient
	for _, c := range clients {
		for _, name := range c.processNames(goos) {
			if raw, ok := have[normProcess(name)]; ok {
				out = append(out, detectedClient{Name: c.Name, Process: probeutil.CleanText(path.Base(strings.ReplaceAll(raw, `\`, "/")), 64)})
				break
			}
		}
	}
	return out
}

// clientForTunnel names the client that made a tunnel interface, from its
// name or Windows adapter description, or "".
func clientForTunnel(name, desc string) string {
	lname, ldesc := strings.ToLower(name), strings.ToLower(desc)
	for _, c := range clients {
		for _, p := range c.Ifaces {
			if strings.HasPrefix(lname, p) {
				return c.Name
			}
		}
		for _, a := range c.Adapters {
			if ldesc != "" && strings.Contains(ldesc, a) {
				return c.Name
			}
		}
	}
	return ""
}

// detectedClient is a running VPN client.
type detectedClient struct {
	Name    string
	Process string
}

const (
	// processTimeout: ps and tasklist list a few hundred processes in well
	// under a second; 2 s covers a loaded machine and tasklist's slow start.
	processTimeout = 2 * time.Second
	// maxProcs bounds the /proc walk: desktops run a few hundred
	// processes, and a table entry needs only one of them.
	maxProcs = 8192
)

// listProcesses returns the names of the running processes: /proc through
// env.FS on Linux, `ps -axo comm` on macOS (the executable's path, not
// the arguments, which may hold secrets; -c would cut names to 16
// characters), `tasklist /fo csv /nh` on Windows.
func listProcesses(ctx context.Context, env *checks.Env) ([]string, error) {
	switch env.OS {
	case "linux":
		return procComms(ctx, env.FS)
	case "darwin":
		out, err := probeutil.Run(ctx, env, processTimeout, "ps", "-axo", "comm")
		if err != nil {
			return nil, err
		}
		return parsePsComm(out), nil
	case "windows":
		out, err := probeutil.Run(ctx, env, processTimeout, "tasklist", "/fo", "csv", "/nh")
		if err != nil {
			return nil, err
		}
		return parseTasklistCSV(out)
	}
	return nil, errors.New("listing processes is not supported on this system")
}

// procComms reads /proc/PID/comm of every process: the command name the
// kernel keeps, at most 15 characters.
func procComms(ctx context.Context, fsys fs.FS) ([]string, error) {
	if fsys == nil {
		return nil, errors.New("no filesystem to read /proc from")
	}
	entries, err := fs.ReadDir(fsys, "proc")
	if err != nil {
		return nil, err
	}
	var out []string
	for i, e := range entries {
		if i >= maxProcs || ctx.Err() != nil {
			break
		}
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		data, err := probeutil.ReadSmall(ctx, fsys, "proc/"+e.Name()+"/comm", 256)
		if err != nil {
			continue // the process ended, or is hidden from this user
		}
		if n := strings.TrimSpace(string(data)); n != "" {
			out = append(out, n)
		}
	}
	return dedupe(out), nil
}

// parsePsComm reads `ps -axo comm`: a "COMM"/"COMMAND" header, then one
// executable path or name per line.
func parsePsComm(out string) []string {
	var names []string
	for i, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(strings.TrimRight(line, "\r"))
		if line == "" || i == 0 && (line == "COMM" || line == "COMMAND") {
			continue
		}
		names = append(names, line)
	}
	return dedupe(names)
}

// parseTasklistCSV reads `tasklist /fo csv /nh`: quoted CSV rows whose
// first field is the image name ("vpnagent.exe"). The other fields (PID,
// session, memory with localised thousands separators) are not needed.
func parseTasklistCSV(out string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF")))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var names []string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return dedupe(names), errors.New("tasklist printed something that is not CSV")
		}
		if len(rec) == 0 {
			continue
		}
		if n := strings.TrimSpace(rec[0]); n != "" && !strings.HasPrefix(n, "INFO:") {
			names = append(names, n)
		}
	}
	return dedupe(names), nil
}

func dedupe(list []string) []string {
	slices.Sort(list)
	return slices.Compact(list)
}

package watch

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/wfh-cli/wfh/internal/netinfo"
)

// readIsCheap: Linux's sources are files in /proc and /sys (and one `iw`
// on Wi-Fi), cheap enough every tick.
const readIsCheap = true

func readState(ctx context.Context) (State, error) {
	var st State
	data, err := os.ReadFile("/proc/net/route")
	if err != nil {
		return st, fmt.Errorf("read the route table: %w", err)
	}
	v4, err := netinfo.ParseProcNetRoute(string(data))
	if err != nil {
		return st, err
	}
	var v6 []netinfo.Route
	if data, err := os.ReadFile("/proc/net/ipv6_route"); err == nil {
		v6 = netinfo.ParseProcNetIPv6Route(string(data))
	}
	pickDefault(&st, v4, v6)
	if st.Interface != "" {
		st.Kind = kindOf(st.Interface, false)
	}
	if st.Kind == string(netinfo.KindWiFi) {
		st.WiFi = readWiFi(ctx, st.Interface)
	}
	return st, nil
}

// kindOf tells an interface's kind from sysfs, else from its name.
func kindOf(name string, pointToPoint bool) string {
	if k, ok := netinfo.ClassifySysfs(os.DirFS("/"), name); ok {
		return string(k)
	}
	return string(netinfo.ClassifyName(name, pointToPoint))
}

// readWiFi asks `iw` for the link; nil when it is missing or not
// associated.
func readWiFi(ctx context.Context, ifname string) *WiFiLink {
	ctx, cancel := context.WithTimeout(ctx, commandLimit)
	defer cancel()
	for _, name := range []string{"iw", "/usr/sbin/iw", "/sbin/iw"} {
		out, err := exec.CommandContext(ctx, name, "dev", ifname, "link").Output()
		if err != nil {
			continue
		}
		if l, ok := parseIwLink(string(out)); ok {
			return &l
		}
		return nil
	}
	return nil
}

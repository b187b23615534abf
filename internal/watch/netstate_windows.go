package watch

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"github.com/wfh-cli/wfh/internal/netinfo"
)

// readIsCheap: on Windows each read runs route print.
const readIsCheap = false

// readState reads `route print`, whose IPv4 routes name the interface by
// its address, which is mapped to its name here. DNS servers and the
// Wi-Fi link are not read on Windows yet: the network snapshot will.
func readState(ctx context.Context) (State, error) {
	var st State
	ctx, cancel := context.WithTimeout(ctx, commandLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "route", "print")
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true}
	out, err := cmd.Output()
	if err != nil {
		return st, fmt.Errorf("route print: %w", err)
	}
	rp := netinfo.ParseRoutePrint(string(out))
	pickDefault(&st, rp.V4, rp.V6)
	st.Interface = interfaceName(st.Interface)
	if st.Interface != "" {
		st.Kind = kindOf(st.Interface, false)
	}
	return st, nil
}

// interfaceName maps route print's interface (an IPv4 address, or
// "if<index>") to the interface's name.
func interfaceName(s string) string {
	ifs, err := net.Interfaces()
	if err != nil {
		return s
	}
	if idx, ok := strings.CutPrefix(s, "if"); ok {
		if n, err := strconv.Atoi(idx); err == nil {
			for _, ifc := range ifs {
				if ifc.Index == n {
					return ifc.Name
				}
			}
		}
		return s
	}
	want, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	for _, ifc := range ifs {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Unmap() == want {
				return ifc.Name
			}
		}
	}
	return s
}

func kindOf(name string, pointToPoint bool) string {
	return string(netinfo.ClassifyName(name, pointToPoint))
}

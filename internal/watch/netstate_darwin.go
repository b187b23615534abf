package watch

import (
	"context"
	"fmt"
	"os/exec"

	"github.com/wfh-cli/wfh/internal/netinfo"
)

// readIsCheap: on macOS each read runs netstat.
const readIsCheap = false

// readState reads `netstat -rn`. The Wi-Fi link is not read on macOS yet
// (system_profiler takes seconds): Wi-Fi events need the network
// snapshot's source.
func readState(ctx context.Context) (State, error) {
	var st State
	ctx, cancel := context.WithTimeout(ctx, commandLimit)
	defer cancel()
	out, err := exec.CommandContext(ctx, "netstat", "-rn").Output()
	if err != nil {
		return st, fmt.Errorf("netstat -rn: %w", err)
	}
	v4, v6 := netinfo.ParseNetstatRN(string(out))
	pickDefault(&st, v4, v6)
	if st.Interface != "" {
		st.Kind = kindOf(st.Interface, false)
	}
	return st, nil
}

// kindOf guesses an interface's kind from its name (en0 is Wi-Fi on
// every Mac laptop, but not on every desktop: unknown stays other).
func kindOf(name string, pointToPoint bool) string {
	return string(netinfo.ClassifyName(name, pointToPoint))
}

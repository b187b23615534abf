//go:build linux

package latency

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// These tests run the real wfh binary in the home namespace as an
// ordinary user (uid and gid 65534, no capabilities), the way a teleworker
// without admin rights runs it, once with ping_group_range allowing its
// group (unprivileged ICMP) and once not (TCP connect times).

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// wfhBinary builds cmd/wfh once for the package's tests.
func wfhBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wfh-latency-")
		if err != nil {
			binErr = err
			return
		}
		// The test user must reach the binary.
		if err := os.Chmod(dir, 0o755); err != nil {
			binErr = err
			return
		}
		root, err := filepath.Abs("../..")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "wfh")
		cmd := exec.Command("go", "build", "-tags", "wfhtest", "-o", binPath, "./cmd/wfh")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build wfh: %v", binErr)
	}
	return binPath
}

// runAsNobody runs `wfh doctor --only latency --skip network` in ns as uid/gid 65534
// without capabilities, with a profile naming only lab addresses. The lab
// has no names to look up, so the network check would call it offline and
// skip latency: it is left out on purpose.
func runAsNobody(t *testing.T, ns *netlab.NS) (report.Report, string) {
	t.Helper()
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv not found: install the Debian package util-linux")
	}
	bin := wfhBinary(t)
	// t.TempDir's parent is private to root: the test user could not
	// read the profile there.
	dir, err := os.MkdirTemp("", "wfh-latency-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "lab.yaml")
	body := "name: latency lab\nlatency:\n  anchors: [\"" + netlab.TopoServerIPv4 + "\", \"" + secondAnchor + "\"]\n"
	if err := os.WriteFile(prof, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
		bin, "doctor", "--only", "latency", "--skip", "network", "--profile", prof, "--format", "json", "--no-redact")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "NO_COLOR=1"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run wfh: %v\n%s", err, stderr.String())
	}
	if err := reportschema.Validate(out); err != nil {
		t.Fatalf("report does not match the schema: %v\n%s\nstderr: %s", err, out, stderr.String())
	}
	var rep report.Report
	if err := json.Unmarshal(out, &rep); err != nil || len(rep.Results) != 1 {
		t.Fatalf("report: %v\n%s", err, out)
	}
	return rep, string(out) + stderr.String()
}

func TestModesAsUnprivilegedUser(t *testing.T) {
	for _, tc := range []struct {
		name, groups string
		method       method
	}{
		{"ping sockets allowed", "65534 65534", methodICMP},
		{"no ICMP at all", "1 0", methodTCP},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			l := netlab.New(t)
			tp := l.Topology()
			tp.Server.Run("ip", "addr", "add", secondAnchor+"/32", "dev", "lo")
			tp.Home.ResolvConf("nameserver " + netlab.TopoISPIPv4 + "\n")
			tp.Home.Sysctl("net.ipv4.ping_group_range", tc.groups)
			tp.HomeLink.SetBoth(netlab.Impairment{Delay: 5 * time.Millisecond})
			stopWatch, before := watchLateness(), tp.Lateness()
			rep, raw := runAsNobody(t, tp.Home.NS)
			late := max(stopWatch(), tp.Lateness().PerRoundTrip(before))
			res := rep.Results[0]
			if res.Facts["method"] != string(tc.method) {
				t.Errorf("method %q, want %q: %s", res.Facts["method"], tc.method, res.Summary)
			}
			for _, bad := range []string{"operation not permitted", "permission denied"} {
				if strings.Contains(strings.ToLower(raw), bad) {
					t.Errorf("the output says %q", bad)
				}
			}
			mtu, _ := res.Metric("path_mtu_bytes")
			switch tc.method {
			case methodTCP:
				if mtu.Value != nil {
					t.Errorf("path MTU %v measured without ICMP", *mtu.Value)
				}
			default:
				if mtu.Value == nil || *mtu.Value != 1500 {
					t.Errorf("path MTU %+v", mtu)
				}
			}
			t.Logf("%s: %s; method %s (%s)", tc.name, res.Summary, res.Facts["method"], res.Facts["method_description"])
			// A figure, not its precision (the bench measures that):
			// never below the 10 ms set, whatever the method.
			if rtt, ok := res.Metric("rtt_ms"); !ok || rtt.Value == nil || *rtt.Value < 9.5 {
				t.Errorf("RTT %s with 5 ms each way on the home link", rtt.FormatValue())
			}
			(&lab{late: late}).expectVerdict(t, res, report.Pass, "")
		})
	}
}

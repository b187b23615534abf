//go:build linux

package latency

import (
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/netstate"
)

// TestLabWiredHomeAdvice: the home of the link-truth topology is wired (a
// veth, as the real Linux sources read it inside the namespace), and the
// loss is past the home router. The check's finding and fix must fit that
// connection: neither Wi-Fi nor a cable is named. Before the network
// snapshot, the loss beyond the provider read "use a cable instead of
// Wi-Fi". Verdicts and words only: the figures are other tests' business.
func TestLabWiredHomeAdvice(t *testing.T) {
	for _, tc := range []struct {
		name  string
		link  func(*netlab.Topology) *netlab.Link
		where []string // where the loss may be located: past the router
	}{
		{"provider link", func(tp *netlab.Topology) *netlab.Link { return tp.ProviderLink }, []string{locProvider, locPastRoute}},
		{"beyond the provider", func(tp *netlab.Topology) *netlab.Link { return tp.BeyondLink }, []string{locBeyond, locPastRoute, locProvider}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t)
			path, err := l.env.Net.Path(t.Context())
			if err != nil || path.LinkKind != netstate.KindWired || path.Router.String() != netlab.TopoGatewayIPv4 || !path.FromKernel {
				t.Fatalf("the home's default path as its namespace reads it: %+v %v", path, err)
			}
			l.c.count, l.c.interval = 200, 20*time.Millisecond
			tc.link(l.tp).SetBoth(netlab.Impairment{Loss: 0.10})
			res, _ := l.run(t)
			where := res.Facts["loss_location"]
			located := false
			for _, w := range tc.where {
				located = located || where == w
			}
			if !located {
				t.Errorf("loss located %q, want one of %q", where, tc.where)
			}
			text := res.Summary + " " + res.Facts["problems_start"]
			for _, f := range res.Findings {
				text += " " + f.Message + " " + f.Fix
			}
			for _, word := range []string{"Wi-Fi", "WiFi", "wireless", "cable"} {
				if strings.Contains(text, word) {
					t.Errorf("a wired home is told about %q: %s", word, text)
				}
			}
			if res.Status == "pass" {
				t.Errorf("10 %% loss each way passed: %s", text)
			}
			t.Logf("%s: %s", where, text)
		})
	}
}

package profile

import (
	"strconv"
	"strings"
	"testing"
)

func TestLatencySection(t *testing.T) {
	p, err := Parse("acme.yaml", []byte("latency:\n  anchors: [1.1.1.1, www.acme.example]\n  resolver: \"off\"\n  gateway: 192.168.1.1\n  rtt_warn_ms: 150\n  loss_fail_percent: 2.5\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := p.Latency
	if len(l.Anchors) != 2 || l.Resolver != "off" || l.Gateway != "192.168.1.1" || l.RTTWarnMS != 150 || l.LossFailPercent != 2.5 {
		t.Errorf("%+v", l)
	}
	for _, tc := range []struct {
		yaml string
		line int
		want string
	}{
		{"latency:\n  anchors:\n    - https://www.acme.example/\n", 3, "latency.anchors[0] is a web address, not a host"},
		{"latency:\n  anchors:\n    - bad host\n", 3, "latency.anchors[0] is not a host name or IP address"},
		{"latency:\n  anchors: [a, b, c, d, e, f, g, h, i]\n", 2, "more than 8"},
		{"latency:\n  gateway: router.local\n", 2, "latency.gateway must be an IP address or off"},
		{"latency:\n  first_hop: \"\"\n", 2, "latency.first_hop must be an IP address or off"},
		{"latency:\n  rtt_warn_ms: 0\n", 2, "latency.rtt_warn_ms must be above 0"},
		{"latency:\n  loss_fail_percent: 120\n", 2, "at most 100"},
		{"latency:\n  jitter_warn_ms: 60\n  jitter_fail_ms: 50\n", 2, "latency.jitter_warn_ms (60) is above latency.jitter_fail_ms (50)"},
		{"latency:\n  rtt_warn_ms: fast\n", 2, "must be a number"},
	} {
		_, err := Parse("acme.yaml", []byte(tc.yaml), Options{})
		want := "acme.yaml:" + strconv.Itoa(tc.line) + ": "
		if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tc.want) || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%q: got %v, want %s…%s", tc.yaml, err, want, tc.want)
		}
	}
}

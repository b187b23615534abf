package bandwidth

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/speedserver"
)

func TestReproFallback(t *testing.T) {
	lab := netlab.New(t)
	tp := lab.Topology()
	base := labServer(t, tp, speedserver.Config{MaxTest: time.Hour})
	lines := [][2]float64{{10e6, 5e6}, {20e6, 20e6}, {50e6, 10e6}, {50e6, 50e6}}
	if s := os.Getenv("LINES"); s != "" {
		lines = nil
		for _, p := range strings.Split(s, ",") {
			a, b, _ := strings.Cut(p, "/")
			x, _ := strconv.ParseFloat(a, 64)
			y, _ := strconv.ParseFloat(b, 64)
			lines = append(lines, [2]float64{x * 1e6, y * 1e6})
		}
	}
	modes := []bool{false, true}
	if os.Getenv("FB") == "1" {
		modes = []bool{true}
	}
	for _, l := range lines {
		for _, fb := range modes {
			tp.ProviderLink.Set(netlab.Impairment{Rate: int64(l[1]), Delay: 10 * time.Millisecond}, netlab.Impairment{Rate: int64(l[0]), Delay: 10 * time.Millisecond})
			cfg := defaultConfig()
			cfg.noKernelCounters = fb
			env := labEnv(t, tp, base)
			if os.Getenv("V") == "" {
				env.Logf = nil
			}
			r, _ := runCheck(t, cfg, env)
			f := func(m string) string {
				v := metric(t, r, m)
				if v == nil {
					return "nil"
				}
				return fmt.Sprintf("%.2f", *v)
			}
			t.Logf("%v/%v fallback=%v down %s up %s (good %.2f/%.2f) ends %s/%s %s", l[0]/1e6, l[1]/1e6, fb, f("download_mbps"), f("upload_mbps"), l[0]/1e6*1448/1500, l[1]/1e6*1448/1500, r.Facts["download_end"], r.Facts["upload_end"], r.Summary)
		}
	}
}

package bandwidth

import (
	"fmt"
	"testing"
	"time"
)

// Without kernel counters (Wine, older Windows), the upload counts the
// bodies the server confirmed. The first bodies are small, so even a
// 2 Mbit/s uplink confirms one long before the stall limit, and the
// figure follows the link instead of running ahead of it.
func TestUploadWithoutKernelCounters(t *testing.T) {
	for _, mbps := range []float64{2, 20} {
		t.Run(fmt.Sprintf("%gMbps", mbps), func(t *testing.T) {
			base, _ := speedServer(t, mbps)
			env, _ := testEnv(t, serverProfile(base))
			cfg := defaultConfig()
			cfg.noKernelCounters = true
			r, took := runCheck(t, cfg, env)
			t.Logf("%s: %s (%v)", r.Status, r.Summary, took)
			if r.Facts["upload_end"] == string(endStalled) || r.Facts["upload_end"] == string(endFailed) {
				t.Fatalf("upload ended %s: %+v", r.Facts["upload_end"], r.Findings)
			}
			v := metric(t, r, "upload_mbps")
			// Never above the link; the pacer counts payload, so the
			// figure may only fall short (by the idle round trips
			// between bodies and the wide margin a busy machine needs).
			if v == nil || *v > mbps*1.05 || *v < mbps*0.75 {
				t.Errorf("upload_mbps = %v on a %g Mbit/s link", v, mbps)
			}
			if took > total+time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}

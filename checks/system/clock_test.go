package system

import (
	"context"
	"encoding/binary"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// ntpBehaviour says how the test server answers.
type ntpBehaviour struct {
	offset  time.Duration // the server's clock minus the real one
	silent  bool          // never answer
	garbage bool          // answer random bytes
	stray   bool          // first send an answer to someone else's request
	kiss    bool          // answer with stratum 0 "RATE"
	unsync  bool          // leap indicator 3: the server has no time itself
}

// startNTPServer runs an SNTP server on loopback for the test's lifetime.
func startNTPServer(t *testing.T, b ntpBehaviour) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if b.silent || n < ntpPacketSize {
				continue
			}
			if b.garbage {
				pc.WriteTo([]byte("HTTP/1.1 400 Bad Request\r\n\r\nthis is not NTP at all, friend"), from)
				continue
			}
			now := time.Now().Add(b.offset)
			resp := make([]byte, ntpPacketSize)
			resp[0] = 0<<6 | 4<<3 | 4
			if b.unsync {
				resp[0] |= 3 << 6
			}
			resp[1] = 2
			if b.kiss {
				resp[1] = 0
				copy(resp[12:16], "RATE")
			}
			copy(resp[24:32], buf[40:48])
			binary.BigEndian.PutUint64(resp[32:40], toNTP(now))
			binary.BigEndian.PutUint64(resp[40:48], toNTP(now))
			if b.stray {
				other := append([]byte(nil), resp...)
				other[24] ^= 0xff
				pc.WriteTo(other, from)
			}
			pc.WriteTo(resp, from)
		}
	}()
	return pc.LocalAddr().String()
}

func toNTP(t time.Time) uint64 {
	secs := uint64(t.Unix()+ntpEpochOffset) & 0xffffffff
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}

func clockEnv(ntp, timeURL string) *checks.Env {
	return &checks.Env{
		Now:     time.Now,
		Dialer:  &net.Dialer{},
		HTTP:    &http.Client{},
		Profile: &profile.Profile{System: profile.System{NTPServer: ntp, TimeURL: timeURL}},
	}
}

// closedURL is an address nothing listens on: the fallback fails fast.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/"
}

func TestClockAgainstLoopbackNTPServer(t *testing.T) {
	for _, tc := range []struct {
		name       string
		b          ntpBehaviour
		measured   bool
		wantStatus report.Status
		wantOffset time.Duration
	}{
		{"correct clock", ntpBehaviour{}, true, report.Pass, 0},
		{"3 s off", ntpBehaviour{offset: 3 * time.Second}, true, report.Warn, 3 * time.Second},
		{"3 s ahead", ntpBehaviour{offset: -3 * time.Second}, true, report.Warn, -3 * time.Second},
		{"10 min off", ntpBehaviour{offset: 10 * time.Minute}, true, report.Fail, 10 * time.Minute},
		{"stray answer first", ntpBehaviour{stray: true, offset: time.Second}, true, report.Pass, time.Second},
		{"never answers", ntpBehaviour{silent: true}, false, report.Pass, 0},
		{"answers garbage", ntpBehaviour{garbage: true}, false, report.Pass, 0},
		{"kiss-o'-death", ntpBehaviour{kiss: true}, false, report.Pass, 0},
		{"unsynchronised server", ntpBehaviour{unsync: true}, false, report.Pass, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := clockEnv(startNTPServer(t, tc.b), closedURL(t))
			env.Logf = t.Logf
			start := time.Now()
			c := measureClock(context.Background(), env)
			if took := time.Since(start); took > ntpTimeout+busySlack {
				t.Errorf("took %s, the NTP budget is %s", took, ntpTimeout)
			}
			if c.measured != tc.measured {
				t.Fatalf("measured = %v (%+v), want %v", c.measured, c, tc.measured)
			}
			res := checks.Result{Status: report.Pass, Facts: map[string]string{}}
			applyClock(&res, c)
			if res.Status != tc.wantStatus {
				t.Errorf("status %s, want %s (%+v)", res.Status, tc.wantStatus, res.Findings)
			}
			m, _ := res.Metric("clock_offset_seconds")
			if !tc.measured {
				if m.Value != nil || !strings.Contains(m.Note, "did not answer") {
					t.Errorf("not measured metric = %+v", m)
				}
				return
			}
			// NTP's offset is wrong by at most half the round trip, which
			// the reading states as its uncertainty: a busy machine widens
			// the round trip, and the bound with it.
			if tol := max(50*time.Millisecond, c.uncertainty); absDuration(c.offset-tc.wantOffset) > tol {
				t.Errorf("offset %s, want %s ± %s", c.offset, tc.wantOffset, tol)
			}
			if tc.wantStatus != report.Pass {
				f := res.Findings[0]
				if f.Fix == "" || !strings.Contains(f.Fix, "Set time automatically") {
					t.Errorf("finding without the fix: %+v", f)
				}
				if tc.wantOffset > 0 && !strings.Contains(f.Message, "behind") || tc.wantOffset < 0 && !strings.Contains(f.Message, "ahead") {
					t.Errorf("direction wrong: %q", f.Message)
				}
			}
		})
	}
}

func TestClockFallsBackToHTTPDate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		skew       time.Duration
		wantStatus report.Status
	}{
		// A one-second skew is inside the header's resolution: no verdict.
		{"within resolution", time.Second, report.Pass},
		{"10 min off", 10 * time.Minute, report.Fail},
		{"5 s off", 5 * time.Second, report.Warn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Date", time.Now().Add(tc.skew).UTC().Format(http.TimeFormat))
			}))
			defer srv.Close()
			env := clockEnv(startNTPServer(t, ntpBehaviour{silent: true}), srv.URL)
			c := measureClock(context.Background(), env)
			if !c.measured || !strings.HasPrefix(c.source, "HTTP Date") {
				t.Fatalf("reading %+v", c)
			}
			res := checks.Result{Status: report.Pass, Facts: map[string]string{}}
			applyClock(&res, c)
			if res.Status != tc.wantStatus {
				t.Errorf("status %s, want %s: offset %s ± %s", res.Status, tc.wantStatus, c.offset, c.uncertainty)
			}
		})
	}
}

func TestClockStopsWithContext(t *testing.T) {
	env := clockEnv(startNTPServer(t, ntpBehaviour{silent: true}), closedURL(t))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	c := measureClock(ctx, env)
	if time.Since(start) > 200*time.Millisecond+busySlack || c.measured {
		t.Errorf("took %s, reading %+v", time.Since(start), c)
	}
}

func TestParseSNTPResponseRejectsBadPackets(t *testing.T) {
	origin := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	t1 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	good := func() []byte {
		p := make([]byte, ntpPacketSize)
		p[0], p[1] = 4<<3|4, 2
		copy(p[24:32], origin)
		binary.BigEndian.PutUint64(p[32:40], toNTP(t1.Add(10*time.Millisecond)))
		binary.BigEndian.PutUint64(p[40:48], toNTP(t1.Add(11*time.Millisecond)))
		return p
	}
	if s, err := parseSNTPResponse(good(), origin, t1, t1.Add(20*time.Millisecond)); err != nil || s.RTT != 19*time.Millisecond+1 && (s.RTT < 18*time.Millisecond || s.RTT > 20*time.Millisecond) {
		t.Fatalf("good packet: %+v %v", s, err)
	}
	for name, mutate := range map[string]func(p []byte) []byte{
		"short":         func(p []byte) []byte { return p[:47] },
		"client mode":   func(p []byte) []byte { p[0] = 4<<3 | 3; return p },
		"version 0":     func(p []byte) []byte { p[0] = 0<<3 | 4; return p },
		"stratum 16":    func(p []byte) []byte { p[1] = 16; return p },
		"zero transmit": func(p []byte) []byte { binary.BigEndian.PutUint64(p[40:48], 0); return p },
		"tx before rx":  func(p []byte) []byte { binary.BigEndian.PutUint64(p[40:48], toNTP(t1)); return p },
		"other origin":  func(p []byte) []byte { p[24]++; return p },
		"server too slow": func(p []byte) []byte {
			binary.BigEndian.PutUint64(p[40:48], toNTP(t1.Add(time.Hour)))
			return p
		},
	} {
		if _, err := parseSNTPResponse(mutate(good()), origin, t1, t1.Add(20*time.Millisecond)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNTPTimeAcrossEraRollover(t *testing.T) {
	// 2036-02-07 06:28:16 UTC is where era 0 ends; a timestamp just past it
	// reads as a small number and must not be taken for 1900.
	ref := time.Date(2036, 2, 7, 6, 28, 10, 0, time.UTC)
	after := time.Date(2036, 2, 7, 6, 28, 20, 0, time.UTC)
	if got := ntpTime(toNTP(after), ref); !got.Equal(after) {
		t.Errorf("ntpTime = %s, want %s", got, after)
	}
	now := time.Date(2026, 11, 24, 9, 0, 0, 250_000_000, time.UTC)
	if got := ntpTime(toNTP(now), now); got.Sub(now).Abs() > time.Microsecond {
		t.Errorf("ntpTime = %s, want %s", got, now)
	}
}

func TestNTPAddress(t *testing.T) {
	for in, want := range map[string]string{"pool.ntp.org": "pool.ntp.org:123", "10.0.0.1:1123": "10.0.0.1:1123", "::1": "[::1]:123"} {
		if got := ntpAddress(in); got != want {
			t.Errorf("ntpAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseSNTPResponse(f *testing.F) {
	f.Add(make([]byte, 48), []byte{0, 0, 0, 0, 0, 0, 0, 0})
	p := make([]byte, 48)
	p[0], p[1] = 0x24, 1
	binary.BigEndian.PutUint64(p[32:40], 0xffffffffffffffff)
	binary.BigEndian.PutUint64(p[40:48], 1)
	f.Add(p, make([]byte, 8))
	t1 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, packet, origin []byte) {
		if len(origin) != 8 {
			return
		}
		s, err := parseSNTPResponse(packet, origin, t1, t1.Add(30*time.Millisecond))
		if err == nil && (s.RTT < 0 || s.RTT > 30*time.Millisecond) {
			t.Fatalf("accepted an impossible round trip %s", s.RTT)
		}
	})
}

func TestRunCombinesClockWithLocalFacts(t *testing.T) {
	for _, tc := range []struct {
		name string
		cr   clockReading
		want report.Status
	}{
		{"in sync", clockReading{measured: true, offset: 20 * time.Millisecond, source: "NTP test"}, report.Pass},
		{"10 min behind", clockReading{measured: true, offset: 10 * time.Minute, source: "NTP test"}, report.Fail},
		{"not measured", clockReading{notMeasured: "offline"}, report.Pass},
	} {
		c := &check{
			probe: &fakeProbe{info: debian, up: time.Hour, zone: "Europe/Paris"},
			clock: func(context.Context, *checks.Env) clockReading { return tc.cr },
		}
		res := c.Run(context.Background(), &checks.Env{Now: time.Now, Arch: "amd64", OS: "linux"})
		if res.Status != tc.want {
			t.Errorf("%s: %s, want %s (%+v)", tc.name, res.Status, tc.want, res.Findings)
		}
		if _, ok := res.Metric("clock_offset_seconds"); !ok {
			t.Errorf("%s: no clock_offset_seconds metric", tc.name)
		}
	}
}

func TestRunDoesNotWaitForAStuckClock(t *testing.T) {
	c := &check{
		probe: &fakeProbe{info: debian, up: time.Hour, zone: "UTC"},
		clock: func(ctx context.Context, _ *checks.Env) clockReading { time.Sleep(time.Hour); return clockReading{} },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res := c.Run(ctx, &checks.Env{Now: time.Now})
	if m, _ := res.Metric("clock_offset_seconds"); m.Value != nil || !strings.Contains(m.Note, "ran out of time") {
		t.Errorf("%+v", m)
	}
}

// hungDiskProbe answers everything at once except the disk, which blocks
// like statfs on a dead network share.
type hungDiskProbe struct {
	fakeProbe
	release chan struct{}
}

func (h *hungDiskProbe) diskSpace(context.Context, *checks.Env) (disk, error) {
	<-h.release
	return disk{}, nil
}

func TestHungDiskDoesNotHoldTheOtherFacts(t *testing.T) {
	p := &hungDiskProbe{fakeProbe: fakeProbe{info: debian, up: time.Hour, zone: "UTC"}, release: make(chan struct{})}
	defer close(p.release)
	start := time.Now()
	res := run(context.Background(), &checks.Env{Now: time.Now, OS: "linux"}, p)
	if took := time.Since(start); took > diskTimeout+busySlack {
		t.Fatalf("took %s with a hung disk", took)
	}
	if res.Facts["os_name"] == "" || res.Status == report.Error {
		t.Errorf("the other facts were lost: %+v", res)
	}
	if m, _ := res.Metric("disk_free_bytes"); m.Value != nil || !strings.Contains(m.Note, "did not list the free disk space") {
		t.Errorf("disk metric %+v", m)
	}
}

// busySlack is how late a deadline may be met on a busy machine: two CPU
// hogs and the race detector hold goroutines back for up to a second; a
// real overrun (a missed cancel, a hang) is longer.
const busySlack = 2 * time.Second

package netlab

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParsePingLoopback(t *testing.T) {
	b, err := os.ReadFile("testdata/ping-loopback.txt")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParsePing(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 5 || r.Received() != 5 || r.LossRate() != 0 {
		t.Fatalf("got %+v, want 5 of 5", r)
	}
	if r.RTTs[0] != 39*time.Microsecond || r.Median() != 43*time.Microsecond {
		t.Errorf("RTTs %v, median %v", r.RTTs, r.Median())
	}
}

func TestParsePingLossAndErrors(t *testing.T) {
	out := `PING 10.200.3.1 (10.200.3.1) 56(84) bytes of data.
64 bytes from 10.200.3.1: icmp_seq=1 ttl=61 time=40.5 ms
From 10.200.1.1 icmp_seq=2 Time to live exceeded
64 bytes from 10.200.3.1: icmp_seq=4 ttl=61 time=41.5 ms

--- 10.200.3.1 ping statistics ---
4 packets transmitted, 2 received, +1 errors, 50% packet loss, time 3004ms
`
	r, err := ParsePing(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 4 || r.Received() != 2 || r.LossRate() != 0.5 {
		t.Errorf("got %+v", r)
	}
	if got := r.MeanAbsDelta(); got != time.Millisecond {
		t.Errorf("mean |Δ| %v, want 1ms", got)
	}
	for _, bad := range []string{"", "ping: connect: Network is unreachable\n", "64 bytes from x: icmp_seq=1 ttl=1 time=1 ms\n0 packets transmitted, 0 received\n"} {
		if _, err := ParsePing(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseIperf3(t *testing.T) {
	b, err := os.ReadFile("testdata/iperf3-loopback.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseIperf3(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.BitsPerSecond < 1e8 {
		t.Errorf("loopback goodput %.0f bit/s, implausibly low", r.BitsPerSecond)
	}
	b, err = os.ReadFile("testdata/iperf3-refused.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseIperf3(b); err == nil || !strings.Contains(err.Error(), "Connection refused") {
		t.Errorf("refused run: %v, want iperf3's error", err)
	}
	for _, bad := range []string{"", "{", `{"end":{}}`} {
		if _, err := ParseIperf3([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3}
	if Percentile(ds, 50) != 3 || Percentile(ds, 90) != 5 || Percentile(ds, 0) != 1 || Percentile(nil, 50) != 0 {
		t.Error("percentile wrong")
	}
	if ds[0] != 5 {
		t.Error("Percentile sorted its input")
	}
}

func FuzzParsePing(f *testing.F) {
	b, _ := os.ReadFile("testdata/ping-loopback.txt")
	f.Add(string(b))
	f.Add("1 packets transmitted\nicmp_seq=1 x time=99999999999 ms\n")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParsePing(s)
		if err == nil && (r.Received() > r.Sent || r.LossRate() < 0 || r.LossRate() > 1) {
			t.Fatalf("inconsistent %+v", r)
		}
	})
}

func FuzzParseIperf3(f *testing.F) {
	for _, name := range []string{"testdata/iperf3-loopback.json", "testdata/iperf3-refused.json"} {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseIperf3(b)
		if err == nil && r.BitsPerSecond <= 0 {
			t.Fatalf("accepted a report without a rate: %+v", r)
		}
	})
}

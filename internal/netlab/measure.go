package netlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/internal/rttstats"
)

// The reference tools: the lab's truth is what iputils ping and iperf3
// (Debian packages iputils-ping and iperf3) measure on it, run inside its
// namespaces. Tests, the calibration program and the bench programs share
// these wrappers.

// PingResult is what one ping run measured.
type PingResult struct {
	Sent int             // echo requests sent
	RTTs []time.Duration // round-trip times of the replies, in order
}

// Received is the number of replies.
func (p PingResult) Received() int { return len(p.RTTs) }

// LossRate is the share of requests without a reply, 0 to 1.
func (p PingResult) LossRate() float64 { return rttstats.LossPercent(p.Sent, len(p.RTTs)) / 100 }

// Median is the median RTT (rttstats.Median), 0 without replies.
func (p PingResult) Median() time.Duration {
	m, _ := rttstats.Median(p.RTTs)
	return m
}

// MeanAbsDelta is the mean absolute difference of consecutive RTTs, the
// jitter the checks report (rttstats.Jitter), 0 with fewer than two.
func (p PingResult) MeanAbsDelta() time.Duration {
	j, _ := rttstats.Jitter(p.RTTs)
	return j
}

// Percentile returns the p-th percentile (nearest rank, rttstats.Quantile)
// of ds, 0 when empty.
func Percentile(ds []time.Duration, p float64) time.Duration {
	d, _ := rttstats.Quantile(ds, p/100)
	return d
}

var (
	pingReplyRE = regexp.MustCompile(`icmp_seq=\d+ .*time=([0-9.]+) ms`)
	pingSentRE  = regexp.MustCompile(`(?m)^(\d+) packets transmitted`)
)

// ParsePing reads iputils ping's output (-n, without -q).
func ParsePing(out string) (PingResult, error) {
	var r PingResult
	for _, m := range pingReplyRE.FindAllStringSubmatch(out, -1) {
		ms, err := strconv.ParseFloat(m[1], 64)
		if err != nil || ms < 0 || ms > 1e7 {
			return PingResult{}, fmt.Errorf("ping printed a reply time %q", m[1])
		}
		r.RTTs = append(r.RTTs, time.Duration(ms*float64(time.Millisecond)))
	}
	m := pingSentRE.FindStringSubmatch(out)
	if m == nil {
		return PingResult{}, errors.New("ping printed no summary line")
	}
	sent, err := strconv.Atoi(m[1])
	if err != nil || sent < len(r.RTTs) {
		// Duplicates could exceed sent; the lab never duplicates.
		return PingResult{}, fmt.Errorf("ping summary %q does not fit %d replies", m[0], len(r.RTTs))
	}
	r.Sent = sent
	return r, nil
}

// Ping runs iputils ping from ns to addr: count requests at interval
// (intervals under 200 ms need root), each reply awaited up to 2 s.
func (ns *NS) Ping(ctx context.Context, addr string, count int, interval time.Duration, extra ...string) (PingResult, error) {
	// Every request's last chance plus start-up: a bound, not an estimate.
	ctx, cancel := context.WithTimeout(ctx, time.Duration(count)*interval+10*time.Second)
	defer cancel()
	args := append([]string{"-n", "-c", strconv.Itoa(count), "-i", fmt.Sprintf("%.3f", interval.Seconds()), "-W", "2"}, extra...)
	out, err := ns.Command(ctx, "ping", append(args, addr)...).Output()
	r, perr := ParsePing(string(out))
	if perr != nil {
		return PingResult{}, fmt.Errorf("ping %s from %s: %v: %w", addr, ns.name, err, perr)
	}
	return r, nil
}

// Iperf3Options are the client's settings.
type Iperf3Options struct {
	Seconds  int  // measured seconds, after a one-second warm-up left out (-O 1)
	Streams  int  // parallel streams (-P); 0 means 1
	Reverse  bool // server sends (-R): the download direction seen from the client
	Port     int  // 0 means 5201
	ExtraArg []string
}

// Iperf3Result is iperf3's goodput: TCP payload bits per second received.
type Iperf3Result struct {
	BitsPerSecond float64
	Retransmits   int
}

// ParseIperf3 reads iperf3's JSON report (-J).
func ParseIperf3(out []byte) (Iperf3Result, error) {
	var doc struct {
		End struct {
			SumSent struct {
				Retransmits int `json:"retransmits"`
			} `json:"sum_sent"`
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return Iperf3Result{}, fmt.Errorf("iperf3 report: %w", err)
	}
	if doc.Error != "" {
		return Iperf3Result{}, fmt.Errorf("iperf3: %s", doc.Error)
	}
	if doc.End.SumReceived.BitsPerSecond <= 0 {
		return Iperf3Result{}, errors.New("iperf3 report has no received rate")
	}
	return Iperf3Result{BitsPerSecond: doc.End.SumReceived.BitsPerSecond, Retransmits: doc.End.SumSent.Retransmits}, nil
}

// Iperf3 measures TCP goodput between an iperf3 server it starts in server
// (bound to addr) and a client in client, with CUBIC as on the routes.
func Iperf3(ctx context.Context, client, server *NS, addr string, o Iperf3Options) (Iperf3Result, error) {
	if o.Port == 0 {
		o.Port = 5201
	}
	if o.Streams == 0 {
		o.Streams = 1
	}
	// Warm-up, test and iperf3's own start and end exchanges.
	ctx, cancel := context.WithTimeout(ctx, time.Duration(o.Seconds+20)*time.Second)
	defer cancel()
	port := strconv.Itoa(o.Port)
	srv := server.Command(ctx, "iperf3", "-s", "-1", "-B", addr, "-p", port)
	if err := srv.Start(); err != nil {
		return Iperf3Result{}, fmt.Errorf("iperf3 server in %s: %w", server.name, err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	args := []string{"-c", addr, "-p", port, "-J", "-C", "cubic", "-t", strconv.Itoa(o.Seconds), "-O", "1", "-P", strconv.Itoa(o.Streams)}
	if o.Reverse {
		args = append(args, "-R")
	}
	args = append(args, o.ExtraArg...)
	var out []byte
	var err error
	for range 50 { // the server listens within milliseconds; retry until it does
		out, err = client.Command(ctx, "iperf3", args...).Output()
		if !strings.Contains(string(out), "Connection refused") || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	r, perr := ParseIperf3(out)
	if perr != nil {
		return Iperf3Result{}, fmt.Errorf("iperf3 %s from %s: %v: %w", strings.Join(args, " "), client.name, err, perr)
	}
	return r, nil
}

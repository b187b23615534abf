package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// The watch in a lab: the real binary runs inside the teleworker's
// namespace of a netlab Topology while the test breaks the links on a
// schedule, and every fault must come out as one event with the right
// start, duration and place, and nothing else.
//
//	home ── homerouter ── isp ── server ── vpngw ── company
//	  ╚══════════════ WireGuard ══════════════╝
//
// homerouter (10.200.1.1) is also the DNS server; server (10.200.3.1 and
// 10.200.3.9) is the two internet anchors; vpngw (10.203.0.2) is the
// company's VPN gateway, and company (10.201.0.2) is reachable only
// through the tunnel.

const (
	labCompany    = "10.201.0.2"
	labVPNGateway = "10.203.0.2"
	labAnchor2    = "10.200.3.9"
	labDNSName    = "watch.wfh.test"
	labWarmUp     = 12 * time.Second // baselines need ten answers of the one-a-second rungs
	labTolerance  = 2.0              // seconds: the bound on start and duration
)

// labFault is one scheduled fault and the event it must give.
type labFault struct {
	name       string
	kind       string
	where      string
	at         time.Duration // after the warm-up
	dur        time.Duration
	start, end func()
	// truth, recorded when start and end returned
	began, ended time.Time
}

func TestWatchLabSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("a 90-second lab run; skipped with -short")
	}
	lab := netlab.New(t)
	netlab.NeedWireGuard(t)
	bin := wfhBinary(t)
	hops := lab.Chain("home", "homerouter", "isp", "server")
	home, router, isp, server := hops[0], hops[1], hops[2], hops[3]
	// Stages where the faults go. None sits on an interface where a
	// WireGuard end receives: wireguard-go answers through the interface
	// a packet arrived on (its "sticky" sockets), which for a stage is
	// the stage's own TUN device, and the answer would never leave.
	homeUp := router.NewStage(router.Prev.Iface)   // what the home machine sends
	providerUp := isp.NewStage(isp.Prev.Iface)     // from the home router to the provider
	beyondUp := server.NewStage(server.Prev.Iface) // from the provider onwards
	beyondDown := isp.NewStage(isp.Next.Iface)     // back toward the provider
	server.AddAddress(server.Prev.Iface, labAnchor2+"/32")
	vpngw := lab.Namespace("vpngw")
	lab.Link(server.NS, []string{"10.203.0.1/24"}, vpngw, []string{labVPNGateway + "/24"})
	vpngw.Route("default", "10.203.0.1")
	isp.Route("10.203.0.0/24", netlab.TopoServerIPv4)
	server.Forwarding()
	corp := lab.Namespace("company")
	lab.Link(vpngw, []string{"10.201.0.1/24"}, corp, []string{labCompany + "/24"})
	corp.Route("default", "10.201.0.1")
	vpngw.Forwarding()
	// The company is reachable only through the tunnel: the home router
	// answers "unreachable" for it, as a provider does for private
	// addresses.
	router.Run("ip", "route", "add", "unreachable", "10.201.0.0/24")

	homeKey, gwKey := netlab.NewWireGuardKey(t), netlab.NewWireGuardKey(t)
	homeWG := home.StartWireGuard(netlab.WireGuardName(t, "wfw"))
	// The gateway's tunnel stops and starts again under its name, as a
	// restarted VPN server's does; a keepalive makes it handshake at once.
	gwName := netlab.WireGuardName(t, "wfw")
	gwConfig := netlab.WireGuardConfig{Key: gwKey, PeerPublic: homeKey.Public, Endpoint: netlab.TopoHomeIPv4 + ":51820",
		AllowedIPs: "10.202.0.2/32", PersistentKeepalive: 1, Address: "10.202.0.1/24", Routes: []string{"10.202.0.0/24"}}
	gwWG := vpngw.StartWireGuard(gwName)
	gwWG.Configure(gwConfig)
	homeWG.Configure(netlab.WireGuardConfig{Key: homeKey, PeerPublic: gwKey.Public, Endpoint: labVPNGateway + ":51820",
		AllowedIPs: "10.201.0.0/24,10.202.0.1/32", Address: "10.202.0.2/32", Routes: []string{"10.201.0.0/24"}})
	labTunnelUp(t, home.NS, vpngw)

	var mute atomic.Bool
	labDNS(t, router.NS, &mute)
	home.ResolvConf("nameserver " + netlab.TopoGatewayIPv4 + "\n")

	prof := filepath.Join(t.TempDir(), "lab.yaml")
	body := fmt.Sprintf("name: watch lab\nlatency:\n  anchors: [%q, %q]\ndns:\n  names: [%q]\nvpn:\n  gateway: \"%s:51820\"\n  gateway_type: udp-silent\n  targets: [\"%s:8080\"]\n",
		netlab.TopoServerIPv4, labAnchor2, labDNSName, labVPNGateway, labCompany)
	if err := os.WriteFile(prof, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}

	faults := []*labFault{
		{name: "the home link loses everything", kind: report.WatchKindOutage, where: report.WhereHome, at: 0, dur: 5 * time.Second,
			start: func() { homeUp.Set(netlab.Impairment{Loss: 1}) },
			end:   func() { homeUp.Set(netlab.Impairment{}) }},
		{name: "the provider link adds 150 ms", kind: report.WatchKindLatency, where: report.WhereProvider, at: 12 * time.Second, dur: 10 * time.Second,
			start: func() { providerUp.Set(netlab.Impairment{Delay: 150 * time.Millisecond}) },
			end:   func() { providerUp.Set(netlab.Impairment{}) }},
		{name: "20 % loss each way beyond", kind: report.WatchKindLoss, where: report.WhereBeyond, at: 29 * time.Second, dur: 10 * time.Second,
			start: func() {
				beyondUp.Set(netlab.Impairment{Loss: 0.2})
				beyondDown.Set(netlab.Impairment{Loss: 0.2, Seed: 0})
			},
			end: func() { beyondUp.Set(netlab.Impairment{}); beyondDown.Set(netlab.Impairment{}) }},
		{name: "the default route disappears", kind: report.WatchKindRoute, where: report.WhereHome, at: 46 * time.Second, dur: 5 * time.Second,
			start: func() { home.Run("ip", "route", "del", "default") },
			end:   func() { home.Run("ip", "route", "add", "default", "via", netlab.TopoGatewayIPv4) }},
		{name: "the DNS server stops answering", kind: report.WatchKindDNS, where: report.WhereHome, at: 58 * time.Second, dur: 5 * time.Second,
			start: func() { mute.Store(true) },
			end:   func() { mute.Store(false) }},
		{name: "the WireGuard peer stops and comes back", kind: report.WatchKindVPN, where: report.WhereBeyond, at: 58 * time.Second, dur: 10 * time.Second,
			start: func() { gwWG.Stop() },
			end:   func() { gwWG = vpngw.StartWireGuard(gwName); gwWG.Configure(gwConfig) }},
	}
	watchFor := labWarmUp + 74*time.Second

	out := filepath.Join(t.TempDir(), "watch.json")
	ctx, cancel := context.WithTimeout(context.Background(), watchFor+60*time.Second)
	defer cancel()
	cmd := home.Command(ctx, bin, "watch", "--for", watchFor.String(), "--profile", prof, "--output", out)
	cmd.Env = append(os.Environ(), "WFH_PROFILE=", "NO_COLOR=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	var linesDone sync.WaitGroup
	linesDone.Go(func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines = append(lines, append([]byte(nil), sc.Bytes()...))
		}
	})
	t0 := time.Now().Add(labWarmUp)
	type step struct {
		at   time.Time
		fn   func()
		mark *time.Time
	}
	var steps []step
	for _, f := range faults {
		steps = append(steps, step{t0.Add(f.at), f.start, &f.began}, step{t0.Add(f.at + f.dur), f.end, &f.ended})
	}
	for len(steps) > 0 {
		next := 0
		for i, s := range steps {
			if s.at.Before(steps[next].at) {
				next = i
			}
		}
		s := steps[next]
		steps = append(steps[:next], steps[next+1:]...)
		time.Sleep(time.Until(s.at))
		s.fn()
		*s.mark = time.Now()
	}
	linesDone.Wait()
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitChecks {
		t.Fatalf("wfh watch exited %d (%v), want 1 (fail-level events)\nstderr:\n%s", code, err, stderr.String())
	}

	// Every line of the stream is valid, and the stream ends with the summary.
	for i, l := range lines {
		if err := reportschema.ValidateWatchLine(l); err != nil {
			t.Errorf("line %d: %v\n%s", i+1, err, l)
		}
	}
	if len(lines) == 0 || !bytes.Contains(lines[len(lines)-1], []byte(`"type":"summary"`)) {
		t.Errorf("the stream does not end with the summary line: %d lines", len(lines))
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report: %v\nstderr:\n%s", err, stderr.String())
	}
	if err := reportschema.Validate(data); err != nil {
		t.Error(err)
	}
	rep, err := report.ReadJSON(bytes.NewReader(data))
	if err != nil || rep.Watch == nil {
		t.Fatalf("report: %v", err)
	}
	checkLabEvents(t, rep, faults)
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr.String())
	}
}

// checkLabEvents matches the report's events with the faults: one each,
// the right kind and place, start and duration within labTolerance, and
// no other event.
func checkLabEvents(t *testing.T, rep report.Report, faults []*labFault) {
	t.Helper()
	used := make([]bool, len(rep.Watch.Events))
	var table strings.Builder
	fmt.Fprintf(&table, "%-40s %-8s %-9s %7s %7s | %-8s %-9s %7s %7s\n", "fault (truth)", "kind", "where", "start", "dur", "event", "where", "start", "dur")
	origin := faults[0].began
	for _, f := range faults {
		truthDur := f.ended.Sub(f.began).Seconds()
		row := fmt.Sprintf("%-40s %-8s %-9s %7.2f %7.2f |", f.name, f.kind, f.where, f.began.Sub(origin).Seconds(), truthDur)
		found := -1
		for i, ev := range rep.Watch.Events {
			if !used[i] && ev.Kind == f.kind && math.Abs(ev.Start.Sub(f.began).Seconds()) <= labTolerance+3 {
				found = i
				break
			}
		}
		if found < 0 {
			t.Errorf("%s: no %s event near %s", f.name, f.kind, f.began.Format("15:04:05.000"))
			fmt.Fprintf(&table, "%s (none)\n", row)
			continue
		}
		used[found] = true
		ev := rep.Watch.Events[found]
		fmt.Fprintf(&table, "%s %-8s %-9s %7.2f %7.2f\n", row, ev.Kind, ev.Where, ev.Start.Sub(origin).Seconds(), ev.DurationSeconds)
		if d := ev.Start.Sub(f.began).Seconds(); math.Abs(d) > labTolerance {
			t.Errorf("%s: the %s event starts %.2f s off the truth", f.name, f.kind, d)
		}
		if d := ev.DurationSeconds - truthDur; math.Abs(d) > labTolerance {
			t.Errorf("%s: the %s event lasts %.2f s, the truth %.2f s", f.name, f.kind, ev.DurationSeconds, truthDur)
		}
		if ev.Where != f.where {
			t.Errorf("%s: the %s event starts at %q, want %q (%s)", f.name, f.kind, ev.Where, f.where, ev.Summary)
		}
	}
	for i, ev := range rep.Watch.Events {
		if !used[i] {
			t.Errorf("an event in a quiet part: %s %s at %.2f s, %.2f s: %s", ev.Kind, ev.Where, ev.Start.Sub(origin).Seconds(), ev.DurationSeconds, ev.Summary)
			fmt.Fprintf(&table, "%-40s %-8s %-9s %7s %7s | %-8s %-9s %7.2f %7.2f (unexpected)\n", "", "", "", "", "", ev.Kind, ev.Where, ev.Start.Sub(origin).Seconds(), ev.DurationSeconds)
		}
	}
	t.Logf("schedule beside the events (seconds from the first fault):\n%s", table.String())
	t.Logf("summary: %s", rep.Results[0].Summary)
}

// labTunnelUp waits until a ping crosses the tunnel: its first handshake.
func labTunnelUp(t *testing.T, home, gw *netlab.NS) {
	t.Helper()
	for range 10 {
		if out, err := exec.Command("ip", "netns", "exec", home.Name(), "ping", "-c", "1", "-W", "1", labCompany).CombinedOutput(); err == nil {
			return
		} else if testing.Verbose() {
			t.Logf("ping through the tunnel: %v: %s", err, out)
		}
	}
	wgHome, _ := exec.Command("ip", "netns", "exec", home.Name(), "wg", "show").CombinedOutput()
	wgGW, _ := exec.Command("ip", "netns", "exec", gw.Name(), "wg", "show").CombinedOutput()
	p1, _ := exec.Command("ip", "netns", "exec", gw.Name(), "ping", "-c", "1", "-W", "1", "10.200.1.2").CombinedOutput()
	p2, _ := exec.Command("ip", "netns", "exec", gw.Name(), "ip", "route").CombinedOutput()
	p3, _ := exec.Command("ip", "netns", "exec", gw.Name(), "ip", "addr").CombinedOutput()
	t.Fatalf("no ping crosses the tunnel\nhome:\n%s\ngateway:\n%s\n%s\n%s\n%s", wgHome, wgGW, p1, p2, p3)
}

// labDNS answers every A query with the router's address, unless muted.
func labDNS(t *testing.T, ns *netlab.NS, mute *atomic.Bool) {
	pc, err := ns.ListenPacket("udp", net.JoinHostPort(netlab.TopoGatewayIPv4, "53"))
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(rw dns.ResponseWriter, q *dns.Msg) {
		if mute.Load() {
			return // a hung server: no answer at all
		}
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			if question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A: net.ParseIP(netlab.TopoGatewayIPv4)})
			}
		}
		_ = rw.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
}

// TestWatchLabMemory runs the real binary for WFH_WATCH_RSS (a duration,
// say 10m) in a lab home with the faults of the schedule repeating, under
// /usr/bin/time -v, and logs its peak resident memory (and VmHWM read
// near the end). A figure, not a test: it runs only when asked.
//
//	WFH_WATCH_RSS=10m go test -run TestWatchLabMemory -v -timeout 20m ./cmd/wfh/
func TestWatchLabMemory(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("WFH_WATCH_RSS"))
	if err != nil || d <= 0 {
		t.Skip("set WFH_WATCH_RSS=10m to measure a watch's memory")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Skip("/usr/bin/time not found (Debian package time)")
	}
	lab := netlab.New(t)
	bin := wfhBinary(t)
	hops := lab.Chain("home", "homerouter", "isp", "server")
	home, router, isp, server := hops[0], hops[1], hops[2], hops[3]
	homeUp := router.NewStage(router.Prev.Iface)
	beyondUp := server.NewStage(server.Prev.Iface)
	_ = isp
	server.AddAddress(server.Prev.Iface, labAnchor2+"/32")
	var mute atomic.Bool
	labDNS(t, router.NS, &mute)
	home.ResolvConf("nameserver " + netlab.TopoGatewayIPv4 + "\n")
	prof := filepath.Join(t.TempDir(), "lab.yaml")
	body := fmt.Sprintf("name: watch lab\nlatency:\n  anchors: [%q, %q]\ndns:\n  names: [%q]\n", netlab.TopoServerIPv4, labAnchor2, labDNSName)
	if err := os.WriteFile(prof, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "watch.json")
	ctx, cancel := context.WithTimeout(context.Background(), d+time.Minute)
	defer cancel()
	cmd := home.Command(ctx, "/usr/bin/time", "-v", bin, "watch", "--for", d.String(), "--profile", prof, "--output", out)
	cmd.Env = append(os.Environ(), "WFH_PROFILE=")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// faults every minute: an outage at home, loss beyond, a DNS pause
	stop := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Second):
			}
			switch i % 3 {
			case 0:
				homeUp.Set(netlab.Impairment{Loss: 1})
				time.Sleep(5 * time.Second)
				homeUp.Set(netlab.Impairment{})
			case 1:
				beyondUp.Set(netlab.Impairment{Loss: 0.2})
				time.Sleep(10 * time.Second)
				beyondUp.Set(netlab.Impairment{})
			case 2:
				mute.Store(true)
				time.Sleep(5 * time.Second)
				mute.Store(false)
			}
		}
	}()
	hwm := ""
	time.AfterFunc(d-15*time.Second, func() {
		// the watch process is time's child
		kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
		for _, pid := range strings.Fields(string(kids)) {
			kids2, _ := os.ReadFile("/proc/" + pid + "/task/" + pid + "/children")
			for _, p := range append(strings.Fields(string(kids2)), pid) {
				status, _ := os.ReadFile("/proc/" + p + "/status")
				for _, l := range strings.Split(string(status), "\n") {
					if strings.HasPrefix(l, "VmHWM") && strings.Contains(string(status), "Name:\twfh") {
						hwm = strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
					}
				}
			}
		}
	})
	err = cmd.Wait()
	close(stop)
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != exitChecks {
		t.Fatalf("exit %v\n%s", err, stderr.String())
	}
	rss := ""
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "Maximum resident set size") || strings.Contains(l, "Elapsed (wall clock)") || strings.Contains(l, "User time") || strings.Contains(l, "System time") {
			rss += "\n  " + strings.TrimSpace(l)
		}
	}
	data, _ := os.ReadFile(out)
	rep, err := report.ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a %v watch: VmHWM %s near the end; /usr/bin/time -v:%s\nevents %v, data %d bytes, %d minutes", d, hwm, rss,
		rep.Watch.Counts, rep.Watch.DataUsedBytes, len(rep.Watch.Minutes))
}

package render

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// fleetReport is a full run as one machine of a fleet writes it: every key
// figure the metrics read, public addresses redacted in the labels of the
// DNS items, a profile fetched from IT's address.
func fleetReport() report.Report {
	r := baseReport()
	r.Profile = "Acme remote work"
	r.ProfileSource = &report.ProfileSource{URL: "https://it.acme.example/wfh.yaml", SHA256: strings.Repeat("ab", 32),
		Pinned: true, FetchedAt: testStart.Add(-26 * time.Hour), FromCache: true, AgeSeconds: 93600}
	r.Results = []report.Result{
		{ID: "network", Title: "Network and internet", Status: report.Pass,
			Metrics: []report.Metric{report.Measured(report.KeyGatewayRTTMs, 2.1, "ms")},
			Facts:   map[string]string{report.KeyConnectivity: "online", report.KeyConnectionType: "wifi"}},
		{ID: "dns", Title: "Name lookups (DNS)", Status: report.Warn,
			Items: []report.Item{
				{Label: "192.168.1.1", Kind: report.ItemKindResolver, Status: report.Pass, Attributes: map[string]string{"role": "system"},
					Metrics: []report.Metric{report.Measured(report.KeyResolverMedianMs, 12.5, "ms")}},
				{Label: "[public-ipv4-1]", Kind: report.ItemKindResolver, Status: report.Warn, Attributes: map[string]string{"role": "system"},
					Metrics: []report.Metric{report.Measured(report.KeyResolverMedianMs, 180, "ms")}},
				{Label: "10.8.0.1", Kind: report.ItemKindResolver, Status: report.Fail, Attributes: map[string]string{"role": "per_domain"},
					Metrics: []report.Metric{report.NotMeasured(report.KeyResolverMedianMs, "ms", "no reply")}},
				{Label: "8.8.8.8", Kind: report.ItemKindResolver, Status: report.Pass, Attributes: map[string]string{"role": "public_comparison"},
					Metrics: []report.Metric{report.Measured(report.KeyResolverMedianMs, 9.25, "ms")}},
				{Label: "www.google.com", Kind: "system_lookup", Status: report.Pass,
					Metrics: []report.Metric{report.Measured("lookup_ms", 20, "ms")}},
			}},
		{ID: "vpn", Title: "VPN", Status: report.Pass,
			Metrics: []report.Metric{report.Measured(report.KeyTargetsAnswered, 2, ""), report.Measured(report.KeyTargetsTested, 3, "")}},
		{ID: "wifi", Title: "Wi-Fi", Status: report.Pass,
			Metrics: []report.Metric{report.Measured(report.KeySignalDBm, -58, "dBm")}},
		{ID: "latency", Title: "Latency, jitter and loss", Status: report.Warn,
			Metrics: []report.Metric{report.Measured(report.KeyRTTMs, 24.8, "ms"), report.Measured(report.KeyJitterMs, 6.3, "ms"),
				report.Measured(report.KeyLossPercent, 1.5, "%"), report.Measured("r_factor", 80.2, ""), report.Measured(report.KeyMOS, 3.9, "")},
			Facts: map[string]string{report.KeyLossLocation: "home", report.KeyProblemsStart: "at your router (Wi-Fi or cable)"}},
		{ID: "bandwidth", Title: "Speed", Status: report.Warn,
			Metrics: []report.Metric{report.Measured(report.KeyDownloadMbps, 92.4, "Mbit/s"), report.Measured(report.KeyUploadMbps, 18.73, "Mbit/s"),
				report.Measured("idle_latency_ms", 21, "ms"), report.Measured(report.KeyLoadedLatencyDownloadMs, 48, "ms"),
				report.Measured(report.KeyLoadedLatencyUploadMs, 240.5, "ms"), report.Measured(report.KeyLatencyIncreaseMs, 219.5, "ms")}},
		{ID: "system", Title: "System basics", Status: report.Pass,
			Metrics: []report.Metric{report.Measured(report.KeyUptimeSeconds, 200000, "s"), report.Measured(report.KeyClockOffsetSeconds, -0.012, "s")}},
		{ID: "camera", Title: "Camera", Status: report.Skipped},
		{ID: "audio", Title: "Microphone and speakers", Status: report.Error},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

func promRender(t *testing.T, r report.Report, code *int) string {
	t.Helper()
	return render(t, r, FormatPrometheus, Options{ExitCode: code})
}

func TestPrometheusGolden(t *testing.T) {
	one := 1
	quick := fleetReport()
	quick.Quick = true
	quick.Results = quick.Results[:5] // no speed test
	for name, c := range map[string]struct {
		r    report.Report
		code *int
	}{
		"fleet": {fleetReport(), &one},
		"quick": {quick, &one},
		"empty": {emptyReport(), nil},
		"mixed": {mixedReport(), nil},
	} {
		t.Run(name, func(t *testing.T) {
			got := promRender(t, c.r, c.code)
			path := filepath.Join("testdata", name+".prom.golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report/... -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from golden; run go test ./report/... -update and review the diff\n%s", path, firstDiff(string(want), got))
			}
		})
	}
}

// TestPrometheusFigures reads the golden's promises as a user of the
// metrics would: base units, every label set, figures not measured left
// out rather than 0.
func TestPrometheusFigures(t *testing.T) {
	one := 1
	out := promRender(t, fleetReport(), &one)
	for _, want := range []string{
		`wfh_download_bytes_per_second{mode="full"} 11550000` + "\n",
		`wfh_upload_bytes_per_second{mode="full"} 2341250` + "\n",
		`wfh_idle_latency_seconds{mode="full"} 0.0248` + "\n",
		`wfh_jitter_seconds{mode="full"} 0.0063` + "\n",
		`wfh_packet_loss_ratio{mode="full"} 0.015` + "\n",
		`wfh_call_mos{mode="full"} 3.9` + "\n",
		`wfh_loaded_latency_seconds{mode="full",direction="download"} 0.048` + "\n",
		`wfh_loaded_latency_seconds{mode="full",direction="upload"} 0.2405` + "\n",
		`wfh_loaded_latency_increase_seconds{mode="full"} 0.2195` + "\n",
		`wfh_packet_loss_location{mode="full",location="home"} 1` + "\n",
		`wfh_packet_loss_location{mode="full",location="provider"} 0` + "\n",
		`wfh_dns_median_latency_seconds{mode="full",role="system",index="0"} 0.0125` + "\n",
		`wfh_dns_median_latency_seconds{mode="full",role="system",index="1"} 0.18` + "\n",
		`wfh_dns_median_latency_seconds{mode="full",role="public_comparison",index="0"} 0.00925` + "\n",
		`wfh_clock_offset_seconds{mode="full"} -0.012` + "\n",
		`wfh_wifi_signal_dbm{mode="full"} -58` + "\n",
		`wfh_check_status{mode="full",check="dns",status="warn"} 1` + "\n",
		`wfh_check_status{mode="full",check="dns",status="pass"} 0` + "\n",
		`wfh_check_status{mode="full",check="camera",status="skipped"} 1` + "\n",
		`wfh_run_duration_seconds{mode="full"} 3.2` + "\n",
		`wfh_exit_code{mode="full"} 1` + "\n",
		`wfh_report_schema_info{mode="full",schema_version="` + report.SchemaVersion + `"} 1` + "\n",
		`wfh_build_info{mode="full",version="0.3.0",revision="abc1234"} 1` + "\n",
		`wfh_profile_age_seconds{mode="full"} 93600` + "\n",
		`wfh_connection_type{mode="full",type="wifi"} 1` + "\n",
		`wfh_connectivity{mode="full",state="online"} 1` + "\n",
		`wfh_vpn_targets_answered{mode="full"} 2` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	// The per_domain server did not answer: no series, not a 0.
	if strings.Contains(out, `role="per_domain"`) {
		t.Errorf("a median that was not measured became a series:\n%s", out)
	}
	// No address, no name: the labels are wfh's own words.
	for _, private := range []string{"192.168", "8.8.8.8", "public-ipv4", "10.8.0.1", "acme", "hostname", "user"} {
		if strings.Contains(out, private) {
			t.Errorf("%q reached the metrics:\n%s", private, out)
		}
	}
	if strings.Contains(out, " 1e+") || strings.Contains(out, "e-0") {
		t.Errorf("values should be plain decimals where they are short:\n%s", out)
	}
}

// TestPrometheusNotMeasuredIsAbsent: a run with no figures writes the run's
// own families and nothing else, and a NaN from a broken report is dropped.
func TestPrometheusNotMeasuredIsAbsent(t *testing.T) {
	r := fleetReport()
	for i := range r.Results {
		for j := range r.Results[i].Metrics {
			r.Results[i].Metrics[j].Value = nil
		}
		r.Results[i].Facts = nil
		r.Results[i].Items = nil
	}
	r.Results[0].Metrics = append(r.Results[0].Metrics, report.Measured(report.KeyGatewayRTTMs, math.NaN(), "ms"))
	r.DurationSeconds = math.Inf(1)
	out := promRender(t, r, nil)
	got := promFamilies(out)
	want := []string{"wfh_build_info", "wfh_check_status", "wfh_profile_age_seconds", "wfh_report_schema_info", "wfh_run_finished_timestamp_seconds"}
	if !slices.Equal(got, want) {
		t.Errorf("families %v, want only the run's own %v:\n%s", got, want, out)
	}
	if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
		t.Errorf("a non-finite value was written:\n%s", out)
	}
}

// promFamilies lists the families of an output, in order.
func promFamilies(out string) []string {
	var fams []string
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) gauge$`).FindAllStringSubmatch(out, -1) {
		fams = append(fams, m[1])
	}
	return fams
}

// TestPrometheusModeLabel: the quick and full runs' files never share a
// series, which node_exporter would drop.
func TestPrometheusModeLabel(t *testing.T) {
	full := promRender(t, fleetReport(), nil)
	q := fleetReport()
	q.Quick = true
	quick := promRender(t, q, nil)
	sample := regexp.MustCompile(`(?m)^(wfh_[a-z_]+)\{([^}]*)\} `)
	for _, out := range []string{full, quick} {
		for _, m := range sample.FindAllStringSubmatch(out, -1) {
			if !strings.HasPrefix(m[2], `mode="full"`) && !strings.HasPrefix(m[2], `mode="quick"`) {
				t.Errorf("%s{%s} has no mode label first", m[1], m[2])
			}
		}
	}
	if strings.Contains(quick, `mode="full"`) || !strings.Contains(quick, `mode="quick"`) {
		t.Errorf("a quick run's metrics must all say mode=\"quick\":\n%s", quick)
	}
}

// TestPrometheusHostileReport: a report read back from a file may hold
// anything; labels stay wfh's own words, a version is cut short and
// escaped, and no control byte is written.
func TestPrometheusHostileReport(t *testing.T) {
	r := fleetReport()
	r.Tool.Version = "1.0\n\"evil\" \\ \x1b[31m" + strings.Repeat("x", 200)
	r.Results = append(r.Results,
		report.Result{ID: "bad id\"} 1\nwfh_pwned{", Status: report.Fail},
		report.Result{ID: "odd", Status: report.Status("catastrophic")})
	r.Results[1].Items[0].Attributes["role"] = `x"} 1`
	r.Results[0].Facts[report.KeyConnectivity] = "something\nnew"
	out := promRender(t, r, nil)
	for i := 0; i < len(out); i++ {
		if c := out[i]; (c < 0x20 && c != '\n') || c == 0x7f {
			t.Fatalf("control byte %#x in %q", c, around(out, i))
		}
	}
	if strings.Contains(out, "wfh_pwned") || strings.Contains(out, "bad id") {
		t.Errorf("a check ID escaped into the metrics:\n%s", out)
	}
	for _, want := range []string{
		`wfh_check_status{mode="full",check="odd",status="error"} 1`,
		`wfh_dns_median_latency_seconds{mode="full",role="other",index="0"} 0.0125`,
		`wfh_connectivity{mode="full",state="other"} 1`,
		`version="1.0\"evil\" \\ [31m` + strings.Repeat("x", 48) + `"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	checkPromtool(t, out)
}

func TestPrometheusWriteError(t *testing.T) {
	err := Render(failingWriter{}, fleetReport(), FormatPrometheus, Options{})
	if !errors.Is(err, errBroken) || !strings.Contains(err.Error(), "prometheus") {
		t.Errorf("error %v does not wrap the write error with context", err)
	}
}

// TestPrometheusPromtool checks every output with Prometheus' own linter,
// promtool check metrics (Debian package prometheus).
func TestPrometheusPromtool(t *testing.T) {
	one := 1
	for _, r := range []report.Report{fleetReport(), emptyReport(), mixedReport(), allPassReport(), hostileReport(), fullReport()} {
		checkPromtool(t, promRender(t, r, &one))
	}
}

func checkPromtool(t *testing.T, metrics string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian package prometheus)")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(metrics)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\non:\n%s", err, out.String(), metrics)
	}
}

// TestPrometheusFamiliesDocumented: every family the renderer can write is
// in docs/fleet.md's table, and the table names no other.
func TestPrometheusFamiliesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "fleet.md"))
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{}
	one := 1
	for _, f := range promFamilies(promRender(t, fleetReport(), &one)) {
		written[f] = true
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(wfh_[a-z_]+)`").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	for f := range written {
		if !documented[f] {
			t.Errorf("%s is not in the metrics table of docs/fleet.md", f)
		}
	}
	for f := range documented {
		if !written[f] {
			t.Errorf("docs/fleet.md documents %s, which the fleet fixture does not write", f)
		}
	}
}

// promLine is the text format's grammar for the lines wfh writes: a
// comment, or a sample with labels and a value, no timestamp.
var promLine = regexp.MustCompile(`^(# (HELP|TYPE) wfh_[a-z_]+ .*|wfh_[a-z_]+\{mode="(quick|full)"(,[a-z_]+="([^"\\\n]|\\[\\"n])*")*\} -?[0-9.e+-]+)$`)

// FuzzPrometheusOutput feeds what a hand-edited report read back by wfh
// report could hold into the places that reach the metrics: every line
// must still be one the text format accepts, with no timestamp.
func FuzzPrometheusOutput(f *testing.F) {
	for _, s := range []string{"", "1.2.3", "x\"y", "a\\b", "new\nline", "\x00\x1b[31m", "ümlaut", "system", "ok_id"} {
		f.Add(s, s, s, 12.5)
	}
	f.Fuzz(func(t *testing.T, version, id, role string, v float64) {
		r := fleetReport()
		r.Tool.Version, r.Tool.Commit = version, version
		r.SchemaVersion = version
		r.Results[0].ID = id
		r.Results[1].Items[0].Attributes["role"] = role
		r.Results[1].Items[0].Metrics[0].Value = &v
		r.Results[0].Facts[report.KeyConnectionType] = role
		out := promRender(t, r, nil)
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if !promLine.MatchString(line) {
				t.Fatalf("line %q is not in the text format", line)
			}
		}
	})
}

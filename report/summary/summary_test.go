package summary

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// The goldens live in report/render; `go test ./report/... -update` passes
// the flag to every package's tests, so each must accept it.
var _ = flag.Bool("update", false, "rewrite golden files (report/render)")

func baseReport() report.Report {
	start := time.Date(2025, 3, 14, 8, 30, 5, 0, time.UTC)
	return report.Report{
		SchemaVersion: report.SchemaVersion,
		StartedAt:     start, FinishedAt: start.Add(3 * time.Second),
		Host:      report.Host{OS: "linux", Arch: "amd64", TimeZone: "Europe/Paris", UTCOffset: "+01:00"},
		Redaction: "on",
	}
}

func rows(r report.Report) map[string]Fact {
	got := map[string]Fact{}
	for _, k := range KeyFacts(r) {
		got[k.Label] = k
	}
	return got
}

func TestKeyFactsVPNAndDNS(t *testing.T) {
	r := baseReport()
	r.Results = []report.Result{
		{ID: "vpn", Status: report.Warn, Summary: "Connected to the VPN through wg0",
			Metrics: []report.Metric{report.Measured(report.KeyTargetsAnswered, 2, ""), report.Measured(report.KeyTargetsTested, 3, "")},
			Facts:   map[string]string{report.KeyVPNState: "connected, with problems"}},
		{ID: "dns", Status: report.Fail, Summary: "Company names do not resolve", Facts: map[string]string{report.KeyCompanyNamesResolve: "no"}},
		// generic names in another check are not the VPN's targets
		{ID: "other", Status: report.Pass, Metrics: []report.Metric{report.Measured("targets_answered", 9, ""), report.Measured("targets_tested", 9, "")}},
	}
	got := rows(r)
	if k := got["VPN"]; k.Value != "connected, with problems" || len(k.Details) != 1 || k.Details[0] != "Company services: 2 of 3 answer" || k.Status != report.Warn {
		t.Errorf("VPN row = %+v", k)
	}
	if k := got["DNS"]; k.Value != "Company names do not resolve" || len(k.Details) != 1 || k.Details[0] != "Company names: none resolves" {
		t.Errorf("DNS row = %+v", k)
	}
	// no targets tested: no count
	r.Results[0].Metrics = []report.Metric{report.Measured("targets_answered", 0, ""), report.Measured("targets_tested", 0, "")}
	r.Results[1].Facts = nil
	for _, k := range KeyFacts(r) {
		if (k.Label == "VPN" || k.Label == "DNS") && len(k.Details) != 0 {
			t.Errorf("%s row has details %q", k.Label, k.Details)
		}
	}
}

// TestKeyFactsServices: "are the company services reachable?" from the
// services check, when the profile lists services.
func TestKeyFactsServices(t *testing.T) {
	r := baseReport()
	r.Results = []report.Result{{ID: "services", Status: report.Fail, Summary: "2 of 3 company services reachable",
		Metrics: []report.Metric{report.Measured(report.KeyServicesTested, 3, ""), report.Measured(report.KeyServicesReachable, 2, "")},
		Facts:   map[string]string{report.KeyServicesUnreachable: "Remote desktop"}}}
	k, ok := rows(r)["Company services"]
	if !ok || k.Value != "2 of 3 reachable" || len(k.Details) != 1 || k.Details[0] != "Not reachable: Remote desktop" || k.Status != report.Fail {
		t.Errorf("row = %+v", k)
	}
	r.Results[0].Metrics = []report.Metric{report.Measured(report.KeyServicesTested, 3, ""), report.Measured(report.KeyServicesReachable, 3, "")}
	r.Results[0].Facts, r.Results[0].Status = nil, report.Pass
	if k := rows(r)["Company services"]; k.Value != "all 3 reachable" || len(k.Details) != 0 {
		t.Errorf("row = %+v", k)
	}
	// none listed: no row
	r.Results[0] = report.Result{ID: "services", Status: report.Skipped, Summary: "The profile lists no company services",
		Metrics: []report.Metric{report.Measured(report.KeyServicesTested, 0, "")}}
	if k, ok := rows(r)["Company services"]; ok {
		t.Errorf("a row without services: %+v", k)
	}
	// skipped offline (by the runner, no figures): the reason
	r.Results[0] = report.Result{ID: "services", Status: report.Skipped, Summary: "offline (see network)"}
	if k := rows(r)["Company services"]; k.Value != "offline (see network)" || k.Status != report.Skipped {
		t.Errorf("row = %+v", k)
	}
}

// TestKeyFactsLatencyAndLoad reads the figures under the names the latency
// and bandwidth checks publish (rtt_ms, loss_percent, bufferbloat_grade,
// latency_increase_ms), as a run shows them.
func TestKeyFactsLatencyAndLoad(t *testing.T) {
	r := baseReport()
	r.Results = []report.Result{
		{ID: "latency", Status: report.Warn, Metrics: []report.Metric{report.Measured("rtt_ms", 24.8, "ms"),
			report.Measured("jitter_ms", 6.3, "ms"), report.Measured("loss_percent", 1.5, "%")},
			Facts: map[string]string{"problems_start": "in your provider's network", "loss_location": "provider", "call_quality": "fair"}},
		{ID: "bandwidth", Status: report.Warn, Metrics: []report.Metric{report.Measured("download_mbps", 92.4, "Mbit/s"),
			report.Measured("upload_mbps", 18.7, "Mbit/s"), report.Measured("jitter_ms", 1, "ms"), report.Measured("latency_increase_ms", 219, "ms")},
			Facts: map[string]string{"bufferbloat_grade": "D"}},
	}
	got := rows(r)
	if k := got["Latency"]; k.Value != "24.8 ms, jitter 6.3 ms, loss 1.5 %" ||
		!reflect.DeepEqual(k.Details, []string{"Problems start: in your provider's network", "Calls: fair"}) {
		t.Errorf("Latency row = %+v", k)
	}
	if k := got["Speed"]; k.Value != "92.4 Mbit/s down, 18.7 Mbit/s up" {
		t.Errorf("Speed row = %+v", k)
	}
	if k := got["Under load"]; k.Value != "grade D, +219 ms when the line is busy" || k.Result != 1 {
		t.Errorf("Under load row = %+v", k)
	}
	// a latency check that found no loss says nothing about where it starts
	lat := baseReport()
	lat.Results = []report.Result{{ID: "latency", Status: report.Pass, Metrics: []report.Metric{report.Measured("rtt_ms", 12, "ms")},
		Facts: map[string]string{"loss_location": "none", "call_quality": "good"}}}
	if k := rows(lat)["Latency"]; k.Value != "12 ms" || !reflect.DeepEqual(k.Details, []string{"Calls: good"}) {
		t.Errorf("latency row without loss = %+v", k)
	}
	// not measured is a true answer; not_measured call quality is left out
	lat.Results[0].Metrics = []report.Metric{report.NotMeasured("rtt_ms", "ms", "no route to the internet")}
	lat.Results[0].Facts = map[string]string{"call_quality": "not_measured"}
	if k := rows(lat)["Latency"]; k.Value != "not measured (no route to the internet)" || len(k.Details) != 0 {
		t.Errorf("latency row not measured = %+v", k)
	}
}

// publishAll is a report in which every check publishes every figure the
// summary reads from it, each with its own value.
func publishAll() report.Report {
	r := baseReport()
	index := map[string]int{}
	for i, f := range allFigures() {
		at, ok := index[f.Check]
		if !ok {
			at = len(r.Results)
			index[f.Check] = at
			r.Results = append(r.Results, report.Result{ID: f.Check, Status: report.Warn, Summary: "summary of " + f.Check, Facts: map[string]string{}})
		}
		res := &r.Results[at]
		if f.Fact {
			res.Facts[f.Name] = "value-" + f.Name
		} else {
			// seconds, as the computer and local-time rows want them
			res.Metrics = append(res.Metrics, report.Measured(f.Name, float64(10+i), "s"))
		}
	}
	return r
}

func without(r report.Report, f figure) report.Report {
	out := r
	out.Results = make([]report.Result, len(r.Results))
	for i, res := range r.Results {
		res.Facts = map[string]string{}
		for k, v := range r.Results[i].Facts {
			if !(f.Fact && k == f.Name && res.ID == f.Check) {
				res.Facts[k] = v
			}
		}
		res.Metrics = nil
		for _, m := range r.Results[i].Metrics {
			if f.Fact || m.Name != f.Name || res.ID != f.Check {
				res.Metrics = append(res.Metrics, m)
			}
		}
		out.Results[i] = res
	}
	return out
}

// TestEveryFigureShows: each figure, published by its check as a metric or
// a fact as figures says, changes what the summary shows. Together with
// TestEveryKeyFigureIsPublished (the check publishes it so) this ties each
// row to a check's real output; a figure read under the wrong kind or from
// the wrong check, or declared and never read, fails here.
func TestEveryFigureShows(t *testing.T) {
	// a pretty OS name hides the name and version it is made of
	shadowedBy := map[string]figure{figures.OSName.Name: figures.OSPrettyName, figures.OSVersion.Name: figures.OSPrettyName}
	for _, f := range allFigures() {
		base := publishAll()
		if s, ok := shadowedBy[f.Name]; ok {
			base = without(base, s)
		}
		if reflect.DeepEqual(KeyFacts(base), KeyFacts(without(base, f))) {
			t.Errorf("%s %q of check %q changes nothing in the summary", kindOf(f), f.Name, f.Check)
		}
	}
}

// TestFiguresAreTheKeyConstants: the summary reads every Key constant of
// report/keys.go, and nothing else.
func TestFiguresAreTheKeyConstants(t *testing.T) {
	keys := keyConstants(t)
	read := map[string]bool{}
	for _, f := range allFigures() {
		if _, ok := keys.byValue[f.Name]; !ok {
			t.Errorf("the summary reads %q, which is not a Key constant of report/keys.go", f.Name)
		}
		read[f.Name] = true
	}
	for name, v := range keys.byName {
		if !read[v] {
			t.Errorf("report.%s (%q) is not read by the summary: remove it or add it to figures", name, v)
		}
	}
}

// TestSummaryReadsOnlyFigures: outside the figures table the summary's code
// names no figure, by constant or by literal, so that the table is all it
// reads and the tests above see everything.
func TestSummaryReadsOnlyFigures(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				if len(n.Names) == 1 && n.Names[0].Name == "figures" {
					return false
				}
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "report" && strings.HasPrefix(n.Sel.Name, "Key") {
					t.Errorf("%s: report.%s read outside figures", fset.Position(n.Pos()), n.Sel.Name)
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Metric" && len(n.Args) == 1 {
					if _, lit := n.Args[0].(*ast.BasicLit); lit {
						t.Errorf("%s: a metric read by a literal name, outside figures", fset.Position(n.Pos()))
					}
				}
			case *ast.IndexExpr:
				if sel, ok := n.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Facts" {
					if _, lit := n.Index.(*ast.BasicLit); lit {
						t.Errorf("%s: a fact read by a literal name, outside figures", fset.Position(n.Pos()))
					}
				}
			}
			return true
		})
	}
}

// TestKeyFactsCalls: the call verdict per app combines the calls check's
// media path with the latency check's call quality and the speed the
// bandwidth check measured, against what the vendor says HD video needs.
func TestKeyFactsCalls(t *testing.T) {
	callsResult := func() report.Result {
		return report.Result{ID: "calls", Status: report.Fail, Summary: "Webex calls cannot connect",
			Facts: map[string]string{report.KeyTeamsMedia: "udp", report.KeyZoomMedia: "tcp_only", report.KeyMeetMedia: "udp_untested", report.KeyWebexMedia: "blocked"},
			Metrics: []report.Metric{
				report.Measured(report.KeyTeamsVideoNeedUpMbps, 1, "Mbit/s"), report.Measured(report.KeyTeamsVideoNeedDownMbps, 2, "Mbit/s"),
				report.Measured(report.KeyZoomVideoNeedUpMbps, 1.5, "Mbit/s"), report.Measured(report.KeyZoomVideoNeedDownMbps, 1.5, "Mbit/s"),
				report.Measured(report.KeyMeetVideoNeedUpMbps, 3.2, "Mbit/s"), report.Measured(report.KeyMeetVideoNeedDownMbps, 3.2, "Mbit/s"),
				report.NotMeasured(report.KeyWebexVideoNeedUpMbps, "Mbit/s", "no published figure"), report.NotMeasured(report.KeyWebexVideoNeedDownMbps, "Mbit/s", "no published figure"),
			}}
	}
	latency := func(q string) report.Result {
		return report.Result{ID: "latency", Status: report.Pass, Metrics: []report.Metric{report.Measured("rtt_ms", 20, "ms")},
			Facts: map[string]string{report.KeyCallQuality: q}}
	}
	speed := func(down, up float64) report.Result {
		return report.Result{ID: "bandwidth", Status: report.Pass, Metrics: []report.Metric{report.Measured(report.KeyDownloadMbps, down, "Mbit/s"),
			report.Measured(report.KeyUploadMbps, up, "Mbit/s")}}
	}
	r := baseReport()
	r.Results = []report.Result{latency("good"), callsResult(), speed(92.4, 2.5)}
	got := rows(r)
	for label, want := range map[string]Fact{
		"Teams calls": {Value: "good, over UDP", Status: report.Pass, Details: []string{"Fast enough for HD video (needs 1.0 Mbit/s up, 2.0 Mbit/s down)"}},
		"Zoom calls":  {Value: "only over TCP 443 — expect breakups", Status: report.Warn, Details: []string{"Fast enough for HD video (needs 1.5 Mbit/s up, 1.5 Mbit/s down)"}},
		"Meet calls": {Value: "servers reached on 443; UDP not testable here", Status: report.Warn,
			Details: []string{"Too slow for HD video (needs 3.2 Mbit/s up, 3.2 Mbit/s down; this line has 2.5 Mbit/s up, 92.4 Mbit/s down)"}},
		"Webex calls": {Value: "cannot reach its servers", Status: report.Fail},
	} {
		k, ok := got[label]
		if !ok || k.Value != want.Value || k.Status != want.Status || !reflect.DeepEqual(k.Details, want.Details) || k.Result != 1 {
			t.Errorf("%s row = %+v\nwant %+v", label, k, want)
		}
	}
	// The rows come after the latency and speed rows and before the VPN's.
	var order []string
	for _, k := range KeyFacts(r) {
		order = append(order, k.Label)
	}
	if s := strings.Join(order, ","); !strings.Contains(s, "Speed,Latency,Teams calls,Zoom calls,Meet calls,Webex calls") {
		t.Errorf("order %s", s)
	}

	// A poor line over UDP is poor; without a speed test the need is shown.
	r.Results = []report.Result{latency("poor"), callsResult()}
	if k := rows(r)["Teams calls"]; k.Value != "poor, over UDP" || k.Status != report.Fail ||
		!reflect.DeepEqual(k.Details, []string{"HD video needs 1.0 Mbit/s up, 2.0 Mbit/s down"}) {
		t.Errorf("Teams row on a poor line = %+v", k)
	}
	// Without the latency check, the path alone.
	r.Results = []report.Result{callsResult()}
	if k := rows(r)["Teams calls"]; k.Value != "over UDP" || k.Status != report.Pass {
		t.Errorf("Teams row alone = %+v", k)
	}
	// An app the check did not test has no row; a skipped check shows why.
	res := callsResult()
	delete(res.Facts, report.KeyZoomMedia)
	r.Results = []report.Result{res}
	if _, ok := rows(r)["Zoom calls"]; ok {
		t.Error("a row for an app not tested")
	}
	r.Results = []report.Result{{ID: "calls", Status: report.Skipped, Summary: "offline (see network)"}}
	if k := rows(r)["Calls"]; k.Value != "offline (see network)" || k.Status != report.Skipped {
		t.Errorf("skipped calls row = %+v", k)
	}
}

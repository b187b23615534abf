package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

// fleetChecks are stubs that publish the figures a fleet graphs: a latency
// check with loss at home and a speed test that loads the network, so
// that --quick leaves it out.
func fleetChecks() []checks.Check {
	return []checks.Check{
		stubCheck{id: "latency", run: func(context.Context, *checks.Env) checks.Result {
			return checks.Result{Status: report.Warn, Summary: "loss at home",
				Metrics: []report.Metric{report.Measured(report.KeyRTTMs, 24.8, "ms"), report.Measured(report.KeyLossPercent, 3, "%")},
				Facts:   map[string]string{report.KeyLossLocation: "home"}}
		}},
		stubCheck{id: "bandwidth", needs: checks.Needs{LoadsNetwork: true}, run: func(context.Context, *checks.Env) checks.Result {
			return checks.Result{Status: report.Pass, Summary: "fast",
				Metrics: []report.Metric{report.Measured(report.KeyDownloadMbps, 100, "Mbit/s"), report.Measured(report.KeyUploadMbps, 4, "Mbit/s")}}
		}},
	}
}

func TestDoctorPrometheusByExtension(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "wfh-full.prom")
	h := newHarness(t, fleetChecks()...)
	if code := h.run(context.Background(), "doctor", "--output", out, "--fail-on", "warn"); code != exitChecks {
		t.Fatalf("exit %d, want 1 (a warning with --fail-on warn; stderr %q)", code, h.stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TYPE wfh_upload_bytes_per_second gauge\n",
		`wfh_upload_bytes_per_second{mode="full"} 500000` + "\n",
		`wfh_packet_loss_location{mode="full",location="home"} 1` + "\n",
		`wfh_check_status{mode="full",check="latency",status="warn"} 1` + "\n",
		`wfh_exit_code{mode="full"} 1` + "\n",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q:\n%s", out, want, data)
		}
	}
	// A --format that contradicts the extension is refused, naming both.
	h = newHarness(t, fleetChecks()...)
	if code := h.run(context.Background(), "doctor", "--format", "json", "--output", out); code != exitUsage {
		t.Errorf("--format json --output x.prom: exit %d, want %d", code, exitUsage)
	}
	if msg := h.stderr.String(); !strings.Contains(msg, "json") || !strings.Contains(msg, ".prom") {
		t.Errorf("--format json --output x.prom: %q names not both", msg)
	}
	if data, _ := os.ReadFile(out); !bytes.HasPrefix(data, []byte("# HELP")) {
		t.Errorf("the refused run changed %s: %.60q", out, data)
	}
}

// TestDoctorExitCodeMetricMatchesExit: the metric is the status the
// process ends with.
func TestDoctorExitCodeMetricMatchesExit(t *testing.T) {
	for _, failOn := range []string{"warn", "fail"} {
		h := newHarness(t, fleetChecks()...)
		code := h.run(context.Background(), "doctor", "--format", "prometheus", "--fail-on", failOn)
		if want := fmt.Sprintf(`wfh_exit_code{mode="full"} %d`+"\n", code); !strings.Contains(h.stdout.String(), want) {
			t.Errorf("--fail-on %s: exit %d, metrics lack %q:\n%s", failOn, code, want, h.stdout.String())
		}
	}
}

// TestNodeExporterReadsMetrics writes the hourly quick run's file and the
// daily full run's into one textfile directory, as docs/fleet.md sets
// them up, starts Debian's prometheus-node-exporter on loopback with only
// the textfile collector, and scrapes it: wfh's families are served, from
// both files, and node_exporter reports no error.
func TestNodeExporterReadsMetrics(t *testing.T) {
	exporter := findNodeExporter(t)
	dir := t.TempDir()
	ctx := context.Background()
	for _, run := range []struct {
		file string
		args []string
	}{
		{"wfh-quick.prom", []string{"--quick"}},
		{"wfh-full.prom", nil},
	} {
		h := newHarness(t, fleetChecks()...)
		args := append([]string{"doctor", "--output", filepath.Join(dir, run.file)}, run.args...)
		if code := h.run(ctx, args...); code != exitOK && code != exitChecks {
			t.Fatalf("%v: exit %d: %s", args, code, h.stderr.String())
		}
	}
	// A file being written must never be read: node_exporter reads *.prom
	// only, and the atomic write's temporary file is named otherwise.
	if err := os.WriteFile(filepath.Join(dir, ".wfh-full.prom.123.tmp"), []byte("garbage {{{\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	body, logs := scrapeNodeExporter(t, exporter, dir)
	for _, want := range []string{
		"node_textfile_scrape_error 0\n",
		`wfh_download_bytes_per_second{mode="full"} 1.25e+07` + "\n",
		`wfh_packet_loss_location{location="home",mode="quick"} 1` + "\n",
		`wfh_packet_loss_location{location="home",mode="full"} 1` + "\n",
		`wfh_check_status{check="bandwidth",mode="full",status="pass"} 1` + "\n",
		`wfh_exit_code{mode="quick"} 0` + "\n",
		"# TYPE wfh_build_info gauge\n",
		"# TYPE wfh_run_finished_timestamp_seconds gauge\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("node_exporter's /metrics lacks %q", want)
		}
	}
	if strings.Contains(body, `wfh_download_bytes_per_second{mode="quick"}`) {
		t.Error("the quick run wrote a speed")
	}
	for _, bad := range []string{"collected before", "error", "level=warn"} {
		if strings.Contains(logs, bad) {
			t.Errorf("node_exporter logged %q:\n%s", bad, logs)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

func findNodeExporter(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"prometheus-node-exporter", "node_exporter"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("node_exporter is not installed (Debian package prometheus-node-exporter)")
	return ""
}

// scrapeNodeExporter runs node_exporter on a free loopback port with only
// the textfile collector (the others would cost seconds and read the
// machine), waits for it to answer and returns one scrape of /metrics and
// what it logged. It is stopped when the test ends, also on failure.
func scrapeNodeExporter(t *testing.T, exporter, dir string) (string, string) {
	t.Helper()
	// The port is picked free and then handed over, so another process
	// may take it in between; a few attempts make that harmless.
	for attempt := 0; attempt < 3; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		var logs bytes.Buffer
		cmd := exec.Command(exporter, "--web.listen-address="+addr,
			"--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory="+dir)
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			cmd.Process.Kill()
			<-exited
		}
		client := &http.Client{Timeout: 2 * time.Second}
		// node_exporter starts in well under a second; 10 s is for a busy machine.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{} // it could not listen: try another port
				continue
			default:
			}
			resp, err := client.Get("http://" + addr + "/metrics")
			if err != nil {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				stop()
				t.Fatalf("scrape: HTTP %d, %v\n%s", resp.StatusCode, err, logs.String())
			}
			stop()
			return string(body), filterStartupLogs(logs.String())
		}
		stop()
		t.Logf("node_exporter on %s did not answer (attempt %d):\n%s", addr, attempt+1, logs.String())
	}
	t.Fatal("node_exporter never answered")
	return "", ""
}

// filterStartupLogs drops node_exporter's informational lines, leaving
// what would tell of a problem.
func filterStartupLogs(logs string) string {
	var keep []string
	for _, line := range strings.Split(logs, "\n") {
		// Running as root is worth a warning in production, not here.
		if line != "" && !strings.Contains(line, "level=info") && !strings.Contains(line, "running as root") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

//go:build !windows

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/browsertest"
)

// TestE2EHTMLReportOfFullRunInBrowser runs every check of the real binary
// in a network namespace with no route out (so the run is offline and
// touches nothing), writes the HTML report and opens it in headless
// Chromium, also offline: the page shows its summary, makes no request and
// runs no script.
func TestE2EHTMLReportOfFullRunInBrowser(t *testing.T) {
	b := browsertest.New(t)
	bin := wfhBinary(t)
	dir := t.TempDir()
	if d := os.Getenv("WFH_TEST_ARTIFACTS"); d != "" {
		dir = filepath.Join(d, t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "wfh-report.html")

	// the doctor run is bounded by its own --timeout; this is a backstop
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	cmd := b.Command(ctx, bin, "doctor", "--profile", loopbackProfile(t), "--skip", "hang",
		"--timeout", "20s", "--format", "html", "--output", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == exitChecks) {
		t.Fatalf("wfh doctor: %v\n%s", err, stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("HTML report of a full offline run: %d bytes", len(data))

	page, err := b.Open(ctx, path, browsertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(page.DOM), " ")
	for _, want := range []string{"<title>wfh report: FAIL", "<h1>wfh report</h1>", "<dt>Computer</dt>", "<dt>Connection</dt>",
		"offline", "<h2>What to fix</h2>", "<dt>Local time of the run</dt>", "Network and internet"} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	if strings.Contains(page.DOM, "<script") {
		t.Error("a script element in the DOM")
	}
	for _, r := range page.Requests {
		if r.FromPage() {
			t.Errorf("the page made a request: %+v", r)
		}
	}
	for _, c := range page.Console {
		t.Errorf("console: %s", c)
	}
	shot := filepath.Join(dir, "wfh-report-light.png")
	if _, err := b.Open(ctx, path, browsertest.Options{Width: 1100, Height: 1800, Screenshot: shot}); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}

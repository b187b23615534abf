//go:build !windows

package render

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/internal/browsertest"
	"github.com/wfh-cli/wfh/report"
)

// artifactDir is where screenshots go: $WFH_TEST_ARTIFACTS when CI sets it
// (so a person can look at them), else the test's temporary directory.
// Screenshots are never committed.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("WFH_TEST_ARTIFACTS"); d != "" {
		dir := filepath.Join(d, t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// browserReport is the full run with device names, an SSID and summaries
// that would run script, fetch a canary URL or restyle the page if they
// were ever treated as markup.
func browserReport() report.Report {
	r := fullReport()
	for i := range r.Results {
		res := &r.Results[i]
		switch res.ID {
		case "audio":
			res.Items[0].Label = "USB Headset " + scriptTitle
			res.Items[1].Label = scriptImg
			res.Items[2].Label = scriptStyle
		case "camera":
			res.Items[1].Label = scriptSVG
			res.Facts["camera_source"] = scriptIframe
		case "wifi":
			res.Facts["ssid"] = scriptImg
		case "network":
			res.Items[0].Label = scriptAttr
		}
	}
	return r
}

func writePage(t *testing.T, dir, name string, r report.Report) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(render(t, r, FormatHTML, Options{})), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var domTitle = regexp.MustCompile(`<title>([^<]*)</title>`)

// TestHTMLInRealBrowser opens the report of a full run in headless Chromium
// with networking cut, and checks what a support agent would see: the
// summary is there, the page made no request, no script ran, and it reads
// in light and dark mode.
func TestHTMLInRealBrowser(t *testing.T) {
	b := browsertest.New(t)
	dir := artifactDir(t)
	path := writePage(t, dir, "wfh-report.html", browserReport())

	page, err := b.Open(t.Context(), path, browsertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m := domTitle.FindStringSubmatch(page.DOM); m == nil || m[1] != "wfh report: FAIL · 2025-03-14 09:30" {
		t.Errorf("title after load = %q: a script changed it, or the page did not load", m)
	}
	text := textOf(page.DOM)
	for _, want := range []string{
		"wfh report ✖ FAIL", "1 failed, 4 warnings, 4 passed",
		"Connection ✔ PASS Wi-Fi, online", "Wi-Fi ✔ PASS signal -58 dBm, 5 GHz, Wi-Fi 6",
		"Speed ▲ WARN 92.4 Mbit/s down, 18.7 Mbit/s up", "Problems start: in your provider's network",
		"VPN ✖ FAIL connected, not passing traffic", "Microphone ▲ WARN USB Headset <script>document.title='PWNED'</script> muted",
		"Local time of the run 2025-03-14 09:30 Europe/Paris (UTC+01:00)",
		"What to fix", "Fix: Disconnect and reconnect the VPN",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	// the hostile names are in the DOM as text, never as elements or
	// attributes: the browser's DOM has only the page's own vocabulary
	checkHTMLStructure(t, "DOM after load", page.DOM)
	for _, r := range page.Requests {
		if r.FromPage() {
			t.Errorf("the page made a request: %+v", r)
		}
	}
	if strings.Contains(page.NetLog, "canary") {
		t.Error("the canary URL from a device name reached the network stack")
	}
	// a blocked stylesheet (a hash that does not match) or any attempted
	// load would be reported here as a CSP violation
	for _, c := range page.Console {
		t.Errorf("console: %s", c)
	}
	t.Logf("page: %d bytes; Chromium logged %d requests of its own, none from the page", fileSize(t, path), len(page.Requests))

	for _, mode := range []struct {
		name string
		dark bool
		// the page background (--bg), which only our stylesheet sets: a
		// blocked stylesheet would leave the browser's white or grey
		bg [3]uint8
	}{{"light", false, [3]uint8{0xf6, 0xf7, 0xf9}}, {"dark", true, [3]uint8{0x0d, 0x11, 0x17}}} {
		shot := filepath.Join(dir, "wfh-report-"+mode.name+".png")
		if _, err := b.Open(t.Context(), path, browsertest.Options{Dark: mode.dark, Width: 1100, Height: 2400, Screenshot: shot}); err != nil {
			t.Fatal(err)
		}
		img := decodePNG(t, shot)
		if got := img.Bounds().Size(); got.X != 1100 || got.Y != 2400 {
			t.Errorf("%s screenshot is %v", mode.name, got)
		}
		if got := rgb(img, 4, 4); !near(got, mode.bg) {
			t.Errorf("%s mode background is %v, want about %v", mode.name, got, mode.bg)
		}
		t.Logf("%s screenshot: %s", mode.name, shot)
	}

	// printing: the print styles (white page, every list unfolded) make a
	// document of a few pages, not one page per card or a hundred
	pdf := filepath.Join(dir, "wfh-report.pdf")
	if _, err := b.Open(t.Context(), path, browsertest.Options{PDF: pdf}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/Count (\d+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("the PDF has no page count")
	}
	if n, _ := strconv.Atoi(string(m[1])); n < 2 || n > 15 {
		t.Errorf("printed report has %d pages", n)
	} else {
		t.Logf("printed: %d pages, %s", n, pdf)
	}
}

// TestBrowserControls proves the detectors above can fail: in the same
// browser setup a page without the policy does run its script and does
// request its image (so "no script ran" and "no request" are not vacuous),
// and the report's policy stops both.
func TestBrowserControls(t *testing.T) {
	b := browsertest.New(t)
	dir := t.TempDir()
	body := "<title>before</title><script>document.title='RAN'</script><img src=\"http://canary.invalid/control.png\">"
	open := func(name, head string) *browsertest.Page {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"+head+body+"</head><body>x</body></html>"), 0o644); err != nil {
			t.Fatal(err)
		}
		page, err := b.Open(t.Context(), path, browsertest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return page
	}
	fromPage := func(p *browsertest.Page) []string {
		var urls []string
		for _, r := range p.Requests {
			if r.FromPage() {
				urls = append(urls, r.URL)
			}
		}
		return urls
	}

	open1 := open("open.html", "")
	if m := domTitle.FindStringSubmatch(open1.DOM); m == nil || m[1] != "RAN" {
		t.Errorf("control: the script did not run (title %q); the no-script check would prove nothing", m)
	}
	if urls := fromPage(open1); len(urls) != 1 || urls[0] != "http://canary.invalid/control.png" {
		t.Errorf("control: page requests %v, want the canary image; the no-request check would prove nothing", urls)
	}

	locked := open("locked.html", `<meta http-equiv="Content-Security-Policy" content="`+strings.ReplaceAll(htmlCSP, "'", "&#39;")+`">`)
	if m := domTitle.FindStringSubmatch(locked.DOM); m == nil || m[1] != "before" {
		t.Errorf("the report's policy let a script run: title %q", m)
	}
	if urls := fromPage(locked); len(urls) != 0 || strings.Contains(locked.NetLog, "canary") {
		t.Errorf("the report's policy let a request out: %v", urls)
	}
	if len(locked.Console) < 2 {
		t.Errorf("expected CSP violations for the script and the image, console: %q", locked.Console)
	}
}

func fileSize(t *testing.T, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func rgb(img image.Image, x, y int) [3]uint8 {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

func near(a, b [3]uint8) bool {
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < -3 || d > 3 {
			return false
		}
	}
	return true
}

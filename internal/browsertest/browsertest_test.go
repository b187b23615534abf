//go:build !windows

package browsertest

import (
	"os"
	"strings"
	"testing"
)

func TestParseNetLogTellsPageRequestsApart(t *testing.T) {
	data, err := os.ReadFile("testdata/netlog-control.json")
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := parseNetLog(data)
	if err != nil {
		t.Fatal(err)
	}
	var own, page []string
	for _, r := range reqs {
		if r.FromPage() {
			page = append(page, r.URL)
		} else {
			own = append(own, r.URL)
		}
	}
	if len(page) != 1 || page[0] != "http://canary.invalid/x.png" {
		t.Errorf("page requests %v, want the canary image", page)
	}
	if len(own) != 3 {
		t.Errorf("Chromium's own requests: %v", own)
	}
	for _, u := range own {
		if strings.Contains(u, "canary") {
			t.Errorf("page request %s taken for Chromium's own", u)
		}
	}
}

func TestParseNetLogRefusesBrokenLogs(t *testing.T) {
	for _, doc := range []string{"", `{"constants":`, `{"constants":{"logEventTypes":{}},"events":[]}`, `[]`} {
		if _, err := parseNetLog([]byte(doc)); err == nil {
			t.Errorf("parseNetLog(%q) accepted a log it cannot read", doc)
		}
	}
}

func TestConsoleLines(t *testing.T) {
	log := "[1:1:1124/082010.470201:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n" +
		`[24807:24807:1124/082011.059461:INFO:CONSOLE:4] "Executing inline script violates the following Content Security Policy directive", source: file:///tmp/t.html (4)` + "\n"
	got := consoleLines(log)
	if len(got) != 1 || !strings.HasPrefix(got[0], "CONSOLE:4] \"Executing inline script") {
		t.Errorf("console lines %q", got)
	}
}

func FuzzParseNetLog(f *testing.F) {
	data, err := os.ReadFile("testdata/netlog-control.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"constants":{"logEventTypes":{"URL_REQUEST_START_JOB":1}},"events":[{"type":1,"params":{"url":5}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		reqs, err := parseNetLog(b)
		if err != nil && reqs != nil {
			t.Fatalf("requests returned with an error")
		}
	})
}

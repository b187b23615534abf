package profile

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseDataSize(t *testing.T) {
	for in, want := range map[string]DataSize{
		"250MB": 250_000_000, "250 MB": 250_000_000, "1GB": 1_000_000_000, "1.5GB": 1_500_000_000,
		"500kB": 500_000, "500KB": 500_000, "256MiB": 256 << 20, "2GiB": 2 << 30, "100M": 100_000_000, "7b": 7,
	} {
		if got, err := ParseDataSize(in); err != nil || got != want {
			t.Errorf("%q → %d, %v; want %d", in, got, err, want)
		}
	}
	for in, why := range map[string]string{
		"": "empty", "250": "no unit", "MB": "not an amount", "1.2.3MB": "not an amount", "12 parsecs": "not an amount",
		"-5MB": "not an amount", "1e400GB": "not an amount", "99999999999999999TB": "too large",
	} {
		if _, err := ParseDataSize(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v, want an error saying %q", in, err, why)
		}
	}
	if s := DataSize(250_000_000).String(); s != "250MB" {
		t.Errorf("String %q", s)
	}
	if s := DataSize(1_500_000_000).String(); s != "1.5GB" {
		t.Errorf("String %q", s)
	}
}

func FuzzParseDataSize(f *testing.F) {
	for _, s := range []string{"250MB", "1.5 GiB", "7", "", "1e3kB", ".5GB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseDataSize(s)
		if err == nil && v < 0 {
			t.Fatalf("%q → negative %d", s, v)
		}
	})
}

func TestBandwidthSection(t *testing.T) {
	dir := t.TempDir()
	load := func(body string) (*Profile, error) {
		path := filepath.Join(dir, "p.yaml")
		mustWrite(t, path, body)
		return Load(path, known)
	}
	p, err := load("bandwidth:\n  server: https://speed.acme.example/speed/?token=x\n  min_download_mbps: 2.5\n  min_upload_mbps: 1\n  max_data: 1GB\n")
	if err != nil {
		t.Fatal(err)
	}
	if p.Bandwidth.MaxData != 1_000_000_000 || p.Bandwidth.MinDownloadMbps != 2.5 || p.Bandwidth.MinUploadMbps != 1 {
		t.Errorf("%+v", p.Bandwidth)
	}
	for body, want := range map[string]string{
		"bandwidth:\n  server: speed.acme.example:8080\n":  `p.yaml:2: bandwidth.server must start with https:// or http://, got "speed.acme.example:8080"; write the speed-test server's web address`,
		"bandwidth:\n  server: http://\n":                  "bandwidth.server has no valid host name",
		"bandwidth:\n  min_download_mbps: 0\n":             "bandwidth.min_download_mbps must be between 0 and 100000 Mbit/s, got 0",
		"bandwidth:\n  min_upload_mbps: fast\n":            "bandwidth.min_upload_mbps",
		"bandwidth:\n  max_data: 250\n":                    `bandwidth.max_data must be an amount of data with a unit, got 250; add a unit: write "250MB" for megabytes`,
		"bandwidth:\n  max_data: 1MB\n":                    "bandwidth.max_data must be between 5MB and 10GB, got 1MB",
		"bandwidth:\n  max_data: [1, 2]\n":                 "bandwidth.max_data must be an amount of data",
		"bandwidth:\n  sever: http://speed.acme.example\n": `did you mean "server"`,
	} {
		_, err := load(body)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q:\n got  %v\n want %s", body, err, want)
		}
	}
}

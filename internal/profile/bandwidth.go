package profile

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Bandwidth configures the bandwidth check.
type Bandwidth struct {
	// Server is the speed-test server to measure against: a `wfh serve`
	// instance or a speedtest.net server's address. Empty means the
	// nearest public servers.
	Server string `yaml:"server"`
	// MinDownloadMbps and MinUploadMbps fail the check below them; 0
	// means no organisation minimum (the call requirements still apply).
	MinDownloadMbps float64 `yaml:"min_download_mbps"`
	MinUploadMbps   float64 `yaml:"min_upload_mbps"`
	// MaxData is the most one run may transfer; 0 means the default.
	MaxData DataSize `yaml:"max_data"`
}

// Limits of the bandwidth keys.
const (
	// MinDataBudget: under 5 MB even a 10 Mbit/s link is measured for
	// less than 2 s each way, too short for a figure.
	MinDataBudget DataSize = 5_000_000
	// MaxDataBudget: 10 GB is more than any run needs (6 s each way at
	// 10 Gbit/s is 15 GB, beyond what a home link carries).
	MaxDataBudget DataSize = 10_000_000_000
	// maxMbps bounds the minimums: no home link reaches 100 Gbit/s.
	maxMbps = 100_000
)

// DataSize is an amount of data in bytes, written "250MB", "1GB" or
// "500kB" (SI units, as providers bill) or "256MiB".
type DataSize int64

// units maps the accepted suffixes, lower-cased, to their size in bytes.
var units = map[string]float64{
	"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	"k": 1e3, "m": 1e6, "g": 1e9,
}

// ParseDataSize reads "250MB", "1.5 GB", "256MiB". A bare number is
// refused: bytes or megabytes would be a guess.
func ParseDataSize(s string) (DataSize, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
	if t == "" {
		return 0, fmt.Errorf("is empty; write an amount with a unit, e.g. 250MB")
	}
	if i < 0 {
		return 0, fmt.Errorf("%q has no unit; write e.g. %sMB for megabytes", t, t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	v, err := strconv.ParseFloat(num, 64)
	mult, ok := units[unit]
	if err != nil || !ok || num == "" {
		return 0, fmt.Errorf("%q is not an amount of data; write e.g. 250MB or 1GB", t)
	}
	b := v * mult
	if math.IsInf(b, 0) || b >= math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is too large", t)
	}
	return DataSize(math.Round(b)), nil
}

// String writes the size in the largest SI unit that keeps it short.
func (d DataSize) String() string {
	v := float64(d)
	for _, u := range []struct {
		name string
		size float64
	}{{"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}} {
		if v >= u.size {
			return strconv.FormatFloat(v/u.size, 'f', -1, 64) + u.name
		}
	}
	return strconv.FormatInt(int64(d), 10) + "B"
}

// UnmarshalYAML accepts only sizes with a unit, like Duration.
func (d *DataSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	const example = `write an amount with a unit, e.g. "250MB" or "1GB"`
	if n.Kind != yaml.ScalarNode {
		return &valueError{msg: "must be an amount of data such as \"250MB\", got " + describe(n), fix: example}
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!str", "!!int", "!!float":
	default:
		return &valueError{msg: "must be an amount of data such as \"250MB\", got " + describe(n), fix: example}
	}
	v, err := ParseDataSize(n.Value)
	if err != nil {
		fix := example
		if _, numErr := strconv.ParseFloat(strings.TrimSpace(n.Value), 64); numErr == nil {
			fix = fmt.Sprintf("add a unit: write %q for megabytes", strings.TrimSpace(n.Value)+"MB")
		}
		return &valueError{msg: "must be an amount of data with a unit, got " + describe(n), fix: fix}
	}
	*d = v
	return nil
}

// validateBandwidth checks the bandwidth section's values.
func validateBandwidth(p *Profile, lines map[string]int, fail func(key, msg, fix string) *Error) *Error {
	b := p.Bandwidth
	if _, set := lines["bandwidth.server"]; set {
		if msg := checkHTTPURL(b.Server); msg != "" {
			return fail("bandwidth.server", "bandwidth.server "+msg,
				"write the speed-test server's web address, e.g. server: http://speedtest.acme.example:8080/")
		}
	}
	for _, k := range []struct {
		key string
		v   float64
	}{{"bandwidth.min_download_mbps", b.MinDownloadMbps}, {"bandwidth.min_upload_mbps", b.MinUploadMbps}} {
		if _, set := lines[k.key]; set && (k.v <= 0 || k.v > maxMbps || math.IsNaN(k.v)) {
			return fail(k.key, fmt.Sprintf("%s must be between 0 and %d Mbit/s, got %s", k.key, maxMbps, strconv.FormatFloat(k.v, 'f', -1, 64)),
				"write the minimum in Mbit/s, e.g. 20 or 2.5, or leave the key out for no minimum")
		}
	}
	if _, set := lines["bandwidth.max_data"]; set && (b.MaxData < MinDataBudget || b.MaxData > MaxDataBudget) {
		return fail("bandwidth.max_data", fmt.Sprintf("bandwidth.max_data must be between %s and %s, got %s", MinDataBudget, MaxDataBudget, b.MaxData),
			"below 5MB no speed can be measured; write e.g. max_data: 250MB")
	}
	return nil
}

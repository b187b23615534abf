package report

import (
	"flag"
	"testing"
)

// The goldens live in report/render; `go test ./report/... -update` passes
// the flag to every package's tests, so each must accept it.
var _ = flag.Bool("update", false, "rewrite golden files (report/render)")

func TestFormatValueNegativeSeconds(t *testing.T) {
	for v, want := range map[float64]string{-3: "-3 s", -0.25: "-250 ms", 2.5: "2.5 s"} {
		if got := Measured("x", v, "s").FormatValue(); got != want {
			t.Errorf("FormatValue(%v s) = %q, want %q", v, got, want)
		}
	}
}

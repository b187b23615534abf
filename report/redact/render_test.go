package redact

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/report/render"
)

// TestEveryRendererLeavesNoSecret plants a secret in every text field of a
// report, redacts it, and renders it in every format, plain and verbose:
// nothing private may reach any output. With --no-redact the same report
// keeps the secrets and says it is not redacted.
func TestEveryRendererLeavesNoSecret(t *testing.T) {
	r, k := sample()
	k.Keep = nil
	count := 0
	plant(t, reflect.ValueOf(&r).Elem(), "Report", &count)
	redacted := Redact(r, k)
	unredacted := MarkUnredacted(r)
	for _, f := range render.Formats() {
		for _, verbose := range []bool{false, true} {
			o := render.Options{Verbose: verbose, Unicode: true}
			var buf bytes.Buffer
			if err := render.Render(&buf, redacted, f, o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out := strings.ToLower(buf.String())
			for _, secret := range secretParts {
				if strings.Contains(out, strings.ToLower(secret)) {
					t.Errorf("%s (verbose %v): %q survived redaction", f, verbose, secret)
				}
			}
			buf.Reset()
			if err := render.Render(&buf, unredacted, f, o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = strings.ToLower(buf.String())
			if !strings.Contains(out, "alice") {
				t.Errorf("%s (verbose %v) with --no-redact lost the planted data", f, verbose)
			}
			if !strings.Contains(out, "not redacted") && !strings.Contains(out, `"redaction": "off"`) {
				t.Errorf("%s (verbose %v) with --no-redact does not say the report is not redacted", f, verbose)
			}
		}
	}
}

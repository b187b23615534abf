package bandwidth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/internal/speedserver"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
)

// Against wfh serve with a token, a missing token and a wrong one get
// different fixes, and redaction leaves both messages whole.
func TestProbeTellsMissingFromWrongToken(t *testing.T) {
	s, err := speedserver.New(speedserver.Config{Token: "right-token"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, tc := range []struct{ query, want string }{
		{"", "the server may need a token; add it to the address in bandwidth.server as the query parameter named token"},
		{"?token=old-token", "the token in the address in bandwidth.server is not the server's; ask IT for the current one"},
	} {
		u, _ := url.Parse(srv.URL + "/speedtest/upload.php" + tc.query)
		_, _, p := probe(t.Context(), http.DefaultClient, u)
		if p == nil || !strings.HasSuffix(p.msg, tc.want) || !strings.HasPrefix(p.msg, "it refused the test (HTTP 401): ") {
			t.Fatalf("%q: %+v", tc.query, p)
		}
		r := redact.Redact(report.Report{Results: []report.Result{{ID: "bandwidth", Summary: p.msg}}}, report.Known{})
		if got := r.Results[0].Summary; got != p.msg {
			t.Errorf("redaction changed %q into %q", p.msg, got)
		}
	}
}

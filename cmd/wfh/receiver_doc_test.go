package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The receiver's check that docs/fleet.md shows IT, in Go and in Python,
// is run here against what wfh really sends: the Go function below is the
// documentation's, word for word (TestDocsReceiverChecks compares them),
// and the Python one is taken from the page and run with python3.

func verify(secret []byte, r *http.Request, body []byte) bool {
	ts, err := strconv.ParseInt(r.Header.Get("X-WFH-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(r.Header.Get("X-WFH-Signature")), []byte(want))
}

// docBlock returns the fenced block of lang that follows marker in
// docs/fleet.md.
func docBlock(t *testing.T, marker, lang string) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "fleet.md"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)" + regexp.QuoteMeta(marker) + "\\s*```" + lang + "\n(.*?)```")
	m := re.FindSubmatch(doc)
	if m == nil {
		t.Fatalf("docs/fleet.md has no %s block after %q", lang, marker)
	}
	return string(m[1])
}

func TestDocsReceiverChecks(t *testing.T) {
	src, err := os.ReadFile("receiver_doc_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fn := regexp.MustCompile(`(?s)\nfunc verify\(.*?\n}\n`).Find(src)
	if got := docBlock(t, "In Go:", "go"); strings.TrimSpace(got) != strings.TrimSpace(string(fn)) {
		t.Errorf("the Go check in docs/fleet.md differs from the one tested here:\n%s\n---\n%s", got, fn)
	}

	// A real post: the Go check accepts it, and rejects a wrong secret, a
	// changed body and a stale timestamp.
	hd := newHelpdesk(t)
	dir := t.TempDir()
	prof := postProfile(t, dir, hd.URL+"/wfh", caFile(t, hd.Server, dir))
	h := postHarness(t, postEnv)
	h.run(context.Background(), "doctor", "--profile", prof, "--format", "json")
	bodies, headers := hd.requests()
	if len(bodies) != 1 {
		t.Fatalf("%d posts", len(bodies))
	}
	req := &http.Request{Header: headers[0]}
	if !verify([]byte(postSecret), req, bodies[0]) {
		t.Error("the documented Go check rejects wfh's post")
	}
	if verify([]byte("wrong"), req, bodies[0]) || verify([]byte(postSecret), req, append([]byte(" "), bodies[0]...)) {
		t.Error("the documented Go check accepts a wrong secret or body")
	}
	stale := headers[0].Clone()
	stale.Set("X-WFH-Timestamp", strconv.FormatInt(time.Now().Add(-6*time.Minute).Unix(), 10))
	if verify([]byte(postSecret), &http.Request{Header: stale}, bodies[0]) {
		t.Error("the documented Go check accepts a stale timestamp")
	}

	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed (Debian package python3): the Python check is not run")
	}
	body := filepath.Join(dir, "body.json")
	os.WriteFile(body, bodies[0], 0o644)
	prog := docBlock(t, "In Python:", "python") + `
import sys
headers = {"X-WFH-Timestamp": sys.argv[3], "X-WFH-Signature": sys.argv[4]}
body = open(sys.argv[2], "rb").read()
print(verify(sys.argv[1].encode(), headers, body))
`
	script := filepath.Join(dir, "verify.py")
	os.WriteFile(script, []byte(prog), 0o644)
	for _, tc := range []struct {
		secret, ts, want string
	}{
		{postSecret, headers[0].Get("X-WFH-Timestamp"), "True"},
		{"wrong", headers[0].Get("X-WFH-Timestamp"), "False"},
		{postSecret, stale.Get("X-WFH-Timestamp"), "False"},
	} {
		out, err := exec.Command(python, script, tc.secret, body, tc.ts, headers[0].Get("X-WFH-Signature")).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != tc.want {
			t.Errorf("python check (secret %q, ts %s): %v %s, want %s", tc.secret, tc.ts, err, out, tc.want)
		}
	}
}

package checks

import (
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wfh-cli/wfh/internal/profile"
)

// With HTTP/2 turned off for clients (GODEBUG=http2client=0, a known
// workaround for broken proxies), the default transport has no TLS config
// to clone; SystemEnv must still build a client that trusts the profile's
// company CA. GODEBUG is read when the process starts, so the test runs
// itself again with it set; the request goes to a loopback server.
func TestSystemEnvWithHTTP2Off(t *testing.T) {
	if os.Getenv("WFH_SYSENV_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSystemEnvWithHTTP2Off$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "WFH_SYSENV_CHILD=1", "GODEBUG=http2client=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("with GODEBUG=http2client=0: %v\n%s", err, out)
		}
		return
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "company-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	p := profile.Default()
	p.CompanyCA = ca
	env, err := SystemEnv(p)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := env.HTTP.Get(srv.URL)
	if err != nil {
		t.Fatalf("a server signed by the company CA: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" || resp.ProtoMajor != 1 {
		t.Errorf("got %s %q", resp.Proto, body)
	}
}

package checks

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/wfh-cli/wfh/internal/profile"
)

// TestExecCommanderErrors runs real programs: the error types the fakes in
// checks/checkstest copy are the ones this runner returns.
func TestExecCommanderErrors(t *testing.T) {
	ctx := context.Background()
	_, err := ExecCommander{}.Run(ctx, "wfh-no-such-program")
	var ce *CommandError
	var ee *exec.Error
	if !errors.As(err, &ce) || ce.Name != "wfh-no-such-program" || !errors.As(err, &ee) || !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("missing program: %#v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not found")
	}
	out, err := ExecCommander{}.Run(ctx, "sh", "-c", "echo partial; echo 'first line' >&2; echo second >&2; exit 3")
	var exit *exec.ExitError
	if string(out) != "partial\n" || !errors.As(err, &ce) || ce.Stderr != "first line" || !errors.As(err, &exit) || exit.ExitCode() != 3 ||
		err.Error() != "sh: exit status 3: first line" {
		t.Errorf("failing program: %q %v", out, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := (ExecCommander{}).Run(cctx, "sh", "-c", "exit 0"); !errors.As(err, &ce) || !errors.Is(err, context.Canceled) {
		t.Errorf("stopped: %v", err)
	}
}

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

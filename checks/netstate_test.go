package checks

import (
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/report"
)

// slowRoutes is a Mac whose netstat hangs; scutil answers, everything
// else is missing.
type slowRoutes struct{}

func (slowRoutes) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	switch strings.Join(append([]string{name}, args...), " ") {
	case "netstat -rn":
		<-ctx.Done()
		return nil, &CommandError{Name: name, Err: ctx.Err()}
	case "scutil --dns":
		return []byte("resolver #1\n  nameserver[0] : 192.168.1.1\n"), nil
	}
	return nil, &CommandError{Name: name, Err: &exec.Error{Name: name, Err: exec.ErrNotFound}}
}

// TestRunnerSharesOneNetworkState: the runner starts one read of the
// network state before the checks and hands the same one to each; a
// check waits only for the parts it reads, so a hung route source holds
// up the check that reads routes, not the one that reads DNS settings.
func TestRunnerSharesOneNetworkState(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]*netstate.State{}
	var dnsTook time.Duration
	var routeErr error
	dns := newFake("dns", func(ctx context.Context, env *Env) Result {
		start := time.Now()
		cfg, err := env.Net.DNS(ctx)
		mu.Lock()
		seen["dns"], dnsTook = env.Net, time.Since(start)
		mu.Unlock()
		if err != nil || len(cfg.Servers) != 1 {
			return Result{Status: report.Error, Summary: "no DNS settings"}
		}
		return Result{Status: report.Pass, Summary: "fine"}
	})
	routes := newFake("routes", func(ctx context.Context, env *Env) Result {
		_, err := env.Net.Routes(ctx)
		mu.Lock()
		seen["routes"], routeErr = env.Net, err
		mu.Unlock()
		return Result{Status: report.Pass, Summary: "fine"}
	})
	r := &Runner{Env: Env{OS: "darwin", FS: fstest.MapFS{}, Exec: slowRoutes{}}, Timeout: 10 * time.Second}
	out := r.Run(t.Context(), []Check{dns, routes})
	if byID(t, out, "dns").Status != report.Pass {
		t.Errorf("dns: %+v", byID(t, out, "dns"))
	}
	if out.Net == nil || seen["dns"] != out.Net || seen["routes"] != out.Net {
		t.Errorf("each check got its own state: %p %p, the run's %p", seen["dns"], seen["routes"], out.Net)
	}
	if dnsTook > netstate.ReadLimit/2 {
		t.Errorf("the DNS settings took %v: they waited for the hung route source", dnsTook)
	}
	if routeErr == nil || !strings.Contains(routeErr.Error(), "within 2s") {
		t.Errorf("routes: %v", routeErr)
	}
	if r.Env.Net != nil {
		t.Error("the runner changed its Env: a second run must read again")
	}
}

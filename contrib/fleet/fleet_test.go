package fleet

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeWfh is a stand-in for wfh that records its arguments, writes a
// metrics file where --output says and exits with $FAKE_RC.
const fakeWfh = `#!/usr/bin/env bash
printf '%s\n' "$@" > "$FAKE_ARGS"
out=
while [ $# -gt 0 ]; do
  if [ "$1" = --output ]; then out=$2; fi
  shift
done
if [ "${FAKE_RC:-0}" -le 1 ] || [ "${FAKE_RC:-0}" = 130 ]; then
  printf '# HELP wfh_exit_code x\n# TYPE wfh_exit_code gauge\nwfh_exit_code{mode="x"} %s\n' "${FAKE_RC:-0}" > "$out"
fi
if [ -n "${FAKE_SLEEP:-}" ]; then sleep "$FAKE_SLEEP"; fi
exit "${FAKE_RC:-0}"
`

type scriptRun struct {
	code           int
	stdout, stderr string
	args           []string
}

// runScript runs wfh-textfile.sh with env added to a clean environment.
func runScript(t *testing.T, env map[string]string, prefix []string, args ...string) scriptRun {
	t.Helper()
	script, err := filepath.Abs("wfh-textfile.sh")
	if err != nil {
		t.Fatal(err)
	}
	argv := append(append(append([]string(nil), prefix...), "bash", script), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	r := scriptRun{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", argv, err)
	}
	if data, err := os.ReadFile(env["FAKE_ARGS"]); err == nil {
		r.args = strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	return r
}

func fakeEnv(t *testing.T) (map[string]string, string) {
	t.Helper()
	dir := t.TempDir()
	textfile := filepath.Join(dir, "textfile")
	if err := os.Mkdir(textfile, 0o755); err != nil {
		t.Fatal(err)
	}
	wfh := filepath.Join(dir, "wfh")
	if err := os.WriteFile(wfh, []byte(fakeWfh), 0o755); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"WFH": wfh, "WFH_TEXTFILE_DIR": textfile, "WFH_LOCK": filepath.Join(dir, "lock"),
		"FAKE_ARGS": filepath.Join(dir, "args")}, textfile
}

func TestTextfileScriptWithFakeWfh(t *testing.T) {
	requireBash(t)
	env, textfile := fakeEnv(t)

	r := runScript(t, env, nil, "quick", "--skip", "audio,camera")
	want := []string{"doctor", "--quick", "--format", "prometheus", "--output", filepath.Join(textfile, "wfh-quick.prom"), "--skip", "audio,camera"}
	if r.code != 0 || !slices.Equal(r.args, want) || r.stderr != "" {
		t.Errorf("quick: exit %d, args %q, stderr %q", r.code, r.args, r.stderr)
	}
	r = runScript(t, env, nil, "full")
	want = []string{"doctor", "--format", "prometheus", "--output", filepath.Join(textfile, "wfh-full.prom")}
	if r.code != 0 || !slices.Equal(r.args, want) {
		t.Errorf("full: exit %d, args %q", r.code, r.args)
	}

	// A failing check (1) or a stopped run (130) still wrote its metrics:
	// the unit succeeds. A usage error (2) or no report (3) fails it, says
	// so in one line and leaves the previous file.
	for _, rc := range []string{"1", "130"} {
		env["FAKE_RC"] = rc
		if r := runScript(t, env, nil, "quick"); r.code != 0 {
			t.Errorf("wfh exit %s: script exit %d %q", rc, r.code, r.stderr)
		}
	}
	before, _ := os.ReadFile(filepath.Join(textfile, "wfh-quick.prom"))
	for _, rc := range []string{"2", "3"} {
		env["FAKE_RC"] = rc
		r := runScript(t, env, nil, "quick")
		if r.code != int(rc[0]-'0') || !strings.Contains(r.stderr, "wfh doctor exited with "+rc) || !strings.Contains(r.stderr, "keeps the previous run's metrics") ||
			strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("wfh exit %s: script exit %d %q", rc, r.code, r.stderr)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(textfile, "wfh-quick.prom")); !bytes.Equal(before, after) {
		t.Error("a failed run changed the previous metrics")
	}
	delete(env, "FAKE_RC")

	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "usage: "},
		{[]string{"hourly"}, nil, "usage: "},
		{[]string{"quick"}, map[string]string{"WFH_TEXTFILE_DIR": filepath.Join(textfile, "missing")}, "is not a directory"},
		{[]string{"quick"}, map[string]string{"WFH": "/nonexistent/wfh"}, "not found"},
	} {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		for k, v := range tc.env {
			e[k] = v
		}
		if r := runScript(t, e, nil, tc.args...); r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: exit %d %q", tc.args, r.code, r.stderr)
		}
	}
}

// TestTextfileScriptRunsOneAtATime: the full run waits for a quick one
// still running, and gives up after WFH_LOCK_WAIT.
func TestTextfileScriptRunsOneAtATime(t *testing.T) {
	requireBash(t)
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock is not installed (Debian package util-linux)")
	}
	env, _ := fakeEnv(t)
	slow := map[string]string{}
	for k, v := range env {
		slow[k] = v
	}
	slow["FAKE_SLEEP"] = "3"
	slow["FAKE_ARGS"] = env["FAKE_ARGS"] + ".slow"
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		runScript(t, slow, nil, "quick")
	}()
	// Let the slow run take the lock.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(slow["FAKE_ARGS"]); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	env["WFH_LOCK_WAIT"] = "0"
	if r := runScript(t, env, nil, "full"); r.code != 75 || !strings.Contains(r.stderr, "skipping this full run") {
		t.Errorf("exit %d %q, want 75 while the other run holds the lock", r.code, r.stderr)
	}
	env["WFH_LOCK_WAIT"] = "30"
	start := time.Now()
	if r := runScript(t, env, nil, "full"); r.code != 0 {
		t.Errorf("waiting run: exit %d %q", r.code, r.stderr)
	}
	wg.Wait()
	if time.Since(start) > 25*time.Second {
		t.Error("the waiting run did not start when the lock was free")
	}
}

// TestTextfileScriptWithRealWfhOffline runs the script with the real wfh,
// built here, in a network namespace with no route out (unshare -n): the
// checks find the computer offline, and the metrics files pass promtool.
func TestTextfileScriptWithRealWfhOffline(t *testing.T) {
	requireBash(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root for unshare -n (a network namespace with no route out)")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare is not installed (Debian package util-linux)")
	}
	if testing.Short() {
		t.Skip("builds wfh; skipped with -short")
	}
	dir := t.TempDir()
	wfh := filepath.Join(dir, "wfh")
	if out, err := exec.Command("go", "build", "-o", wfh, "../../cmd/wfh").CombinedOutput(); err != nil {
		t.Fatalf("build wfh: %v\n%s", err, out)
	}
	textfile := filepath.Join(dir, "textfile")
	os.Mkdir(textfile, 0o755)
	env := map[string]string{"WFH": wfh, "WFH_TEXTFILE_DIR": textfile, "WFH_LOCK": filepath.Join(dir, "lock"),
		"XDG_CACHE_HOME": filepath.Join(dir, "cache"), "NO_COLOR": "1"}
	for _, mode := range []string{"quick", "full"} {
		// The timeout bounds a run that is offline anyway.
		r := runScript(t, env, []string{unshare, "-n"}, mode, "--skip", "audio,camera", "--timeout", "20s")
		if r.code != 0 {
			t.Fatalf("%s: exit %d\nstderr: %s", mode, r.code, r.stderr)
		}
		data, err := os.ReadFile(filepath.Join(textfile, "wfh-"+mode+".prom"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`wfh_connectivity{mode="` + mode + `",state="offline"} 1`, `wfh_check_status{mode="` + mode + `",check="network",status="fail"} 1`,
			`wfh_exit_code{mode="` + mode + `"} 1`} {
			if !strings.Contains(string(data), want) {
				t.Errorf("%s: lacks %q:\n%s", mode, want, data)
			}
		}
		if strings.Contains(string(data), `check="audio"`) {
			t.Errorf("%s: --skip was not passed on", mode)
		}
		promtoolCheck(t, data)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(textfile, ".*")); len(leftovers) != 0 {
		t.Errorf("temporary files left in the textfile directory: %v", leftovers)
	}
}

func promtoolCheck(t *testing.T, metrics []byte) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool is not installed (Debian package prometheus): metrics not linted")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(metrics)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestSystemdUnits checks the units with systemd's own verifier, the
// script's path pointed at a file that exists here.
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd)")
	}
	dir := t.TempDir()
	units, _ := filepath.Glob("systemd/*")
	if len(units) != 4 {
		t.Fatalf("units %v", units)
	}
	script, _ := filepath.Abs("wfh-textfile.sh")
	var paths []string
	for _, u := range units {
		data, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "/usr/local/lib/wfh/wfh-textfile.sh", script)
		p := filepath.Join(dir, filepath.Base(u))
		os.WriteFile(p, []byte(text), 0o644)
		paths = append(paths, p)
		if strings.HasSuffix(u, ".service") {
			mode := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(u), "wfh-"), ".service")
			if !strings.Contains(text, "wfh-textfile.sh "+mode+" ") {
				t.Errorf("%s does not run the %s mode", u, mode)
			}
		}
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, paths...)...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestAlertRules runs promtool on the rules and their unit tests.
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian package prometheus)")
	}
	for _, args := range [][]string{{"check", "rules", "wfh-alerts.yml"}, {"test", "rules", "wfh-alerts_test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

type plist struct {
	Dict struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"dict"`
}

// TestLaunchdJobsShape: the plists are well-formed and run the command of
// the Linux script (launchd itself cannot run here).
func TestLaunchdJobsShape(t *testing.T) {
	for mode, schedule := range map[string]string{"quick": "<key>StartInterval</key>", "full": "<key>StartCalendarInterval</key>"} {
		path := filepath.Join("macos", "com.wfh-cli.wfh."+mode+".plist")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var p plist
		if err := xml.Unmarshal(data, &p); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		args := regexp.MustCompile(`(?s)<key>ProgramArguments</key>\s*<array>(.*?)</array>`).FindSubmatch(data)
		if args == nil {
			t.Fatalf("%s: no ProgramArguments", path)
		}
		var list []string
		for _, m := range regexp.MustCompile(`<string>([^<]*)</string>`).FindAllSubmatch(args[1], -1) {
			list = append(list, string(m[1]))
		}
		want := []string{"doctor", "--format", "prometheus", "--output"}
		if mode == "quick" {
			want = []string{"doctor", "--quick", "--format", "prometheus", "--output"}
		}
		if len(list) < len(want)+2 || !slices.Equal(list[1:len(want)+1], want) || !strings.HasSuffix(list[len(want)+1], "/wfh-"+mode+".prom") {
			t.Errorf("%s: ProgramArguments %q", path, list)
		}
		if !strings.Contains(string(data), schedule) {
			t.Errorf("%s: no %s", path, schedule)
		}
	}
}

// TestWindowsTaskShape: the PowerShell script names the same runs (no
// PowerShell here to run it).
func TestWindowsTaskShape(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("windows", "Register-WfhTasks.ps1"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{"'--format', 'prometheus', '--output'", "@('--quick') 'wfh-quick.prom'", "@() 'wfh-full.prom'",
		"-RepetitionInterval (New-TimeSpan -Hours 1)", "-Daily -At '10:00'", "NOT executed by wfh's CI"} {
		if !strings.Contains(s, want) {
			t.Errorf("Register-WfhTasks.ps1 lacks %q", want)
		}
	}
}

func requireBash(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

const fullCommit = "0123456789abcdef0123456789abcdef01234567"

func vcsInfo(rev, when, modified string) *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/wfh-cli/wfh", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: when},
			{Key: "vcs.modified", Value: modified},
		},
	}
}

func TestResolveBuild(t *testing.T) {
	release := stamp{version: "1.4.0", commit: fullCommit, commitDate: "2026-03-01T10:00:00Z",
		buildDate: "2026-03-02T11:00:00Z", treeState: "clean"}
	for _, tc := range []struct {
		name string
		s    stamp
		info *debug.BuildInfo
		want buildInfo
	}{
		{"release stamp wins over build info", release, vcsInfo("ffff", "2020-01-01T00:00:00Z", "true"),
			buildInfo{Version: "1.4.0", Commit: fullCommit, CommitDate: "2026-03-01T10:00:00Z",
				BuildDate: "2026-03-02T11:00:00Z", GoVersion: "go1.26.8", OS: "linux", Arch: "arm64"}},
		{"dirty release tree", stamp{version: "1.4.0-next", commit: fullCommit, treeState: "dirty"}, nil,
			buildInfo{Version: "1.4.0-next", Commit: fullCommit, Modified: true, GoVersion: runtime.Version(), OS: "linux", Arch: "arm64"}},
		{"source build in a git checkout", stamp{}, vcsInfo(fullCommit, "2026-02-03T04:05:06Z", "true"),
			buildInfo{Version: "(devel)", Commit: fullCommit, CommitDate: "2026-02-03T04:05:06Z", Modified: true,
				GoVersion: "go1.26.8", OS: "linux", Arch: "arm64"}},
		{"clean source build", stamp{}, vcsInfo(fullCommit, "2026-02-03T04:05:06Z", "false"),
			buildInfo{Version: "(devel)", Commit: fullCommit, CommitDate: "2026-02-03T04:05:06Z",
				GoVersion: "go1.26.8", OS: "linux", Arch: "arm64"}},
		{"go install of a tagged version", stamp{},
			&debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "github.com/wfh-cli/wfh", Version: "v1.3.0"}},
			buildInfo{Version: "v1.3.0", GoVersion: "go1.26.1", OS: "linux", Arch: "arm64"}},
		{"go run: nothing recorded", stamp{}, &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			buildInfo{Version: "(devel)", GoVersion: "go1.26.8", OS: "linux", Arch: "arm64"}},
		{"no build info at all", stamp{}, nil,
			buildInfo{Version: "(devel)", GoVersion: runtime.Version(), OS: "linux", Arch: "arm64"}},
		{"only the version stamped", stamp{version: "2.0.0"}, vcsInfo(fullCommit, "2026-02-03T04:05:06Z", "false"),
			buildInfo{Version: "2.0.0", Commit: fullCommit, CommitDate: "2026-02-03T04:05:06Z",
				GoVersion: "go1.26.8", OS: "linux", Arch: "arm64"}},
		{"goreleaser's placeholders when it could not read git",
			stamp{version: "0.0.1-next", commit: "none", commitDate: "0001-01-01T00:00:00Z", buildDate: "2026-03-02T11:00:00Z", treeState: "clean"},
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			buildInfo{Version: "0.0.1-next", BuildDate: "2026-03-02T11:00:00Z", GoVersion: "go1.26.8", OS: "linux", Arch: "arm64"}},
		{"unreadable vcs.modified counts as unmodified", stamp{}, vcsInfo(fullCommit, "", "maybe"),
			buildInfo{Version: "(devel)", Commit: fullCommit, GoVersion: "go1.26.8", OS: "linux", Arch: "arm64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resolveBuild(tc.s, tc.info, "linux", "arm64"); got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestBuildInfoString(t *testing.T) {
	for _, tc := range []struct {
		b    buildInfo
		want string
	}{
		{buildInfo{Version: "1.4.0", Commit: fullCommit, CommitDate: "2026-03-01T10:00:00Z", BuildDate: "2026-03-02T11:00:00Z",
			GoVersion: "go1.26.8", OS: "windows", Arch: "amd64"},
			"wfh 1.4.0, commit 0123456789ab, built 2026-03-02T11:00:00Z, go1.26.8 windows/amd64"},
		{buildInfo{Version: "(devel)", Commit: fullCommit, CommitDate: "2026-02-03T04:05:06Z", Modified: true,
			GoVersion: "go1.26.8", OS: "linux", Arch: "amd64"},
			"wfh (devel), commit 0123456789ab (modified), committed 2026-02-03T04:05:06Z, go1.26.8 linux/amd64"},
		{buildInfo{Version: "1.2.3", Commit: "abc"}, "wfh 1.2.3, commit abc"},
		{buildInfo{Version: "(devel)"}, "wfh (devel)"},
	} {
		if got := tc.b.String(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func TestVersionCommandAndFlag(t *testing.T) {
	b := buildInfo{Version: "1.4.0", Commit: fullCommit, CommitDate: "2026-03-01T10:00:00Z",
		BuildDate: "2026-03-02T11:00:00Z", GoVersion: "go1.26.8", OS: "darwin", Arch: "arm64"}
	line := "wfh 1.4.0, commit 0123456789ab, built 2026-03-02T11:00:00Z, go1.26.8 darwin/arm64\n"
	for _, args := range [][]string{{"version"}, {"--version"}, {"version", "--format", "text"}, {"version", "-f", "TEXT"}} {
		h := newHarness(t)
		h.f.build = b
		if code := h.run(context.Background(), args...); code != 0 || h.stdout.String() != line {
			t.Errorf("%v: exit %d, stdout %q, want %q", args, code, h.stdout.String(), line)
		}
	}

	h := newHarness(t)
	h.f.build = b
	if code := h.run(context.Background(), "version", "--format", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	var got buildInfo
	if err := json.Unmarshal([]byte(h.stdout.String()), &got); err != nil || got != b {
		t.Errorf("json %q: %v, decoded %+v", h.stdout.String(), err, got)
	}
	for _, key := range []string{"version", "commit", "commit_date", "build_date", "modified", "go_version", "os", "arch"} {
		if !strings.Contains(h.stdout.String(), `"`+key+`":`) {
			t.Errorf("json lacks %q: %s", key, h.stdout.String())
		}
	}
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestVersionUsageErrors(t *testing.T) {
	h0 := newHarness(t)
	h0.f.ios.Out = brokenWriter{}
	if code := h0.run(context.Background(), "version"); code != exitNoReport ||
		!strings.Contains(h0.stderr.String(), "cannot write the version: broken pipe") {
		t.Errorf("closed stdout: exit %d, %q", code, h0.stderr.String())
	}

	h := newHarness(t)
	if code := h.run(context.Background(), "version", "--format", "xml"); code != exitUsage ||
		h.stderr.String() != "wfh: unknown --format \"xml\" for wfh version; use text or json\n" || h.stdout.Len() != 0 {
		t.Errorf("exit %d, stderr %q, stdout %q", code, h.stderr.String(), h.stdout.String())
	}
	h = newHarness(t)
	if code := h.run(context.Background(), "version", "extra"); code != exitUsage || !strings.HasPrefix(h.stderr.String(), "wfh: ") {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
	// A script that asked for JSON gets its error as JSON too.
	h = newHarness(t)
	if code := h.run(context.Background(), "version", "--format", "json", "--bogus"); code != exitUsage ||
		!strings.HasPrefix(h.stderr.String(), `{"error":`) {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
}

func TestCompletionIsListedAndCompletes(t *testing.T) {
	h := newHarness(t)
	if code := h.run(context.Background(), "--help"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	help := h.stdout.String()
	if !strings.Contains(help, "completion") || !strings.Contains(help, "wfh completion --help") {
		t.Errorf("--help does not list completion:\n%s", help)
	}
	if strings.Contains(help, "  man ") {
		t.Errorf("--help lists the hidden man command:\n%s", help)
	}
	for shell, want := range map[string]string{"bash": "__start_wfh", "zsh": "#compdef wfh", "fish": "complete -c wfh",
		"powershell": "Register-ArgumentCompleter"} {
		h := newHarness(t)
		if code := h.run(context.Background(), "completion", shell); code != 0 || !strings.Contains(h.stdout.String(), want) {
			t.Errorf("completion %s: exit %d, output lacks %q", shell, code, want)
		}
	}
	h = newHarness(t)
	if code := h.run(context.Background(), "completion", "tcsh"); code != exitUsage ||
		h.stderr.String() != "wfh: unknown shell \"tcsh\" for wfh completion; use bash, zsh, fish or powershell\n" {
		t.Errorf("completion tcsh: exit %d, %q", code, h.stderr.String())
	}
	h = newHarness(t)
	if code := h.run(context.Background(), "completion"); code != 0 || !strings.Contains(h.stdout.String(), "powershell") {
		t.Errorf("completion: exit %d, %q", code, h.stdout.String())
	}
	// What the shell scripts call on <Tab>: "wfh do<Tab>" offers doctor.
	h = newHarness(t)
	if code := h.run(context.Background(), "__complete", "do"); code != 0 || !strings.HasPrefix(h.stdout.String(), "doctor\t") {
		t.Errorf("__complete do: exit %d, %q", code, h.stdout.String())
	}
}

func TestManPages(t *testing.T) {
	h := newHarness(t)
	h.f.build = buildInfo{Version: "1.4.0", CommitDate: "2026-03-01T10:00:00Z"}
	dir := filepath.Join(t.TempDir(), "man1")
	if code := h.run(context.Background(), "man", "--dir", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	for _, name := range []string{"wfh.1", "wfh-doctor.1", "wfh-checks.1", "wfh-report.1", "wfh-serve.1", "wfh-version.1",
		"wfh-completion.1", "wfh-completion-bash.1"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "wfh-man.1")); err == nil {
		t.Error("the hidden man command got a page")
	}
	root, err := os.ReadFile(filepath.Join(dir, "wfh.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`.TH "WFH" "1" "Mar 2026" "wfh 1.4.0" "wfh manual"`, "wfh-doctor(1)"} {
		if !strings.Contains(string(root), want) {
			t.Errorf("wfh.1 lacks %q:\n%s", want, root)
		}
	}
	doctor, _ := os.ReadFile(filepath.Join(dir, "wfh-doctor.1"))
	if !strings.Contains(string(doctor), "EXIT STATUS") || strings.Contains(string(doctor), "Auto generated") {
		t.Errorf("wfh-doctor.1 lacks EXIT STATUS or carries the dated footer:\n%s", doctor)
	}

	// The page as a reader sees it, through man-db when it is installed.
	if _, err := exec.LookPath("man"); err != nil {
		t.Log("man not installed (Debian package man-db): rendering not checked")
		return
	}
	cmd := exec.Command("man", "-l", filepath.Join(dir, "wfh-doctor.1"))
	cmd.Env = append(os.Environ(), "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "wfh-doctor") || !strings.Contains(string(out), "--fail-on") {
		t.Errorf("man -l wfh-doctor.1: %v\n%s", err, out)
	}

	h = newHarness(t)
	if code := h.run(context.Background(), "man"); code != exitUsage || !strings.Contains(h.stderr.String(), "--dir") {
		t.Errorf("man without --dir: exit %d, %q", code, h.stderr.String())
	}
}

// TestCaskListsEveryManPage keeps .goreleaser.yaml's homebrew cask in
// step with the commands: brew links only the pages the cask names, so a
// new command's page left out of the list is never on a Mac user's man
// path (.ci/check-release catches it too, but only after a release build).
func TestCaskListsEveryManPage(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	if code := h.run(context.Background(), "man", "--dir", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var generated []string
	for _, e := range entries {
		generated = append(generated, "man/"+e.Name()+".gz")
	}
	yaml, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, line := range strings.Split(string(yaml), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "- man/") && strings.HasSuffix(line, ".1.gz") {
			declared = append(declared, strings.TrimPrefix(line, "- "))
		}
	}
	slices.Sort(generated)
	slices.Sort(declared)
	if !slices.Equal(generated, declared) {
		t.Errorf(".goreleaser.yaml homebrew_casks.manpages lists\n  %v\nbut wfh man writes\n  %v\nlist every page there", declared, generated)
	}
}

// TestVersionOfGitBuild builds wfh the way a developer does in a git
// checkout, with VCS stamping on (this machine's GOFLAGS turns it off, and
// `go run` never stamps), and checks that `wfh version` tells the commit, its
// time and that the tree was modified, as git itself says.
//
// It builds in a fresh repository holding this tree's files, not in the
// checkout itself: the go command stamps only a checkout with a .git
// directory, so a linked worktree (a .git file) would get no stamp, and a
// commit of our own has a known time.
func TestVersionOfGitBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=wfh test", "GIT_AUTHOR_EMAIL=test@example.invalid",
			"GIT_COMMITTER_NAME=wfh test", "GIT_COMMITTER_EMAIL=test@example.invalid",
			"GIT_AUTHOR_DATE=2026-02-03T04:05:06Z", "GIT_COMMITTER_DATE=2026-02-03T04:05:06Z")
		out, err := cmd.Output()
		if err != nil {
			t.Skipf("needs git (Debian package git) and a git checkout: git %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	top := git(".", "rev-parse", "--show-toplevel")
	src := filepath.Join(t.TempDir(), "src")
	for _, name := range strings.Split(git(top, "ls-files", "-z", "--cached", "--others", "--exclude-standard"), "\x00") {
		if name == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(top, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the tree, not yet in the index
		}
		if err == nil {
			err = os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(src, name), data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	git(src, "init", "--quiet")
	git(src, "add", "-A")
	git(src, "commit", "--quiet", "--no-gpg-sign", "-m", "snapshot")
	head := git(src, "rev-parse", "HEAD")
	if err := os.WriteFile(filepath.Join(src, "uncommitted.txt"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	bin := filepath.Join(t.TempDir(), "wfh")
	// -trimpath: packages compiled in this new directory then share the
	// build cache with the next run's.
	build := exec.Command("go", "build", "-buildvcs=true", "-trimpath", "-o", bin, "./cmd/wfh")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}
	dirty := git(src, "status", "--porcelain") != ""
	committed := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)

	out, err := exec.Command(bin, "version", "--format", "json").Output()
	if err != nil {
		t.Fatalf("wfh version --format json: %v", err)
	}
	var got buildInfo
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Commit != head {
		t.Errorf("commit %q, git says %q", got.Commit, head)
	}
	if when, err := time.Parse(time.RFC3339, got.CommitDate); err != nil || !when.Equal(committed) {
		t.Errorf("commit_date %q, git says %s (%v)", got.CommitDate, committed, err)
	}
	if !dirty || !got.Modified {
		t.Errorf("modified %v, git status says dirty=%v", got.Modified, dirty)
	}
	// With no tag, the toolchain derives a pseudo-version from the commit.
	if want := "v0.0.0-20260203040506-" + head[:12] + "+dirty"; got.Version != want {
		t.Errorf("version %q, want %q", got.Version, want)
	}
	if got.BuildDate != "" {
		t.Errorf("build_date %q: a source build does not record one", got.BuildDate)
	}
	if got.OS != runtime.GOOS || got.Arch != runtime.GOARCH || got.GoVersion != runtime.Version() {
		t.Errorf("platform %s %s/%s, want %s %s/%s", got.GoVersion, got.OS, got.Arch, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}

	text, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	flag, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(text), "wfh "+got.Version+", commit "+head[:12]) || string(flag) != string(text) {
		t.Errorf("wfh version %q, wfh --version %q", text, flag)
	}
}

// TestVersionKeysDocumented keeps docs/install.md's table of the
// `wfh version --format json` keys in step with what wfh prints.
func TestVersionKeysDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/install.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "## Which version is this")
	if !ok {
		t.Fatal("docs/install.md has no 'Which version is this' section")
	}
	b, _ := json.Marshal(buildInfo{})
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for key := range keys {
		if !strings.Contains(table, "`"+key+"`") {
			t.Errorf("docs/install.md does not document the version key %q", key)
		}
	}
}

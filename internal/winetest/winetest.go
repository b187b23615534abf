// Package winetest runs wfh's Windows binary under Wine inside the network
// namespaces of internal/netlab, so the Windows build is executed in CI and
// not only compiled.
//
// # Using it
//
//	lab := netlab.New(t)
//	home := lab.Namespace("home")
//	p := winetest.NewPrefix(t, home)        // skips without Wine or mingw
//	r := p.Run(ctx, nil, winetest.WfhExe(t), "doctor", "--format", "json")
//
// WfhExe builds cmd/wfh for windows/amd64 once per test binary (WfhLinux
// the Linux one, for wfh serve beside it), in a directory the next test
// binary removes once this one has ended. NewPrefix
// gives the namespace a Wine prefix of its own, copied from a template
// that is booted once per machine (wineboot takes tens of seconds) and
// cached in the temporary directory. Wine 8.0 lacks bcryptprimitives.dll,
// whose ProcessPrng Go 1.22 and later need for every random byte; the
// template gets one built with mingw from prng/processprng.c.
//
// # Rules
//
//   - Wine keeps every socket in its wineserver: a program's traffic leaves
//     from the namespace the wineserver runs in, not the program's. So
//     each prefix is used in one namespace only, its wineserver is started
//     there before anything else, and it is ended (wineserver -k) at
//     cleanup, before netlab removes the namespace and kills what is left.
//   - The template is booted in a namespace of its own with no network
//     (unshare -n), so nothing Wine does at boot reaches the outside.
//   - Programs write their output to files, not pipes: Wine's helper
//     processes inherit the first program's standard handles and would
//     hold a pipe open after it exits.
//   - Go on Windows reads the Windows certificate store, never
//     SSL_CERT_FILE: give a test CA to wfh as the profile's company_ca.
//
// # Requirements
//
// Root on Linux (netlab), the Debian packages wine and wine64 (Wine 8.0),
// gcc-mingw-w64-x86-64, and unshare (util-linux). Without them the test is
// skipped with the reason; .ci/run installs them.
package winetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
)

//go:embed prng/processprng.c
var prngSource []byte

//go:embed prng/processprng.def
var prngDef []byte

const (
	// bootTimeout bounds wineboot -i: the first boot of a prefix copies
	// some 700 MB of DLLs and registers them, 35 s on an idle machine
	// here; a loaded CI machine may take several times that.
	bootTimeout = 4 * time.Minute
	// startTimeout bounds starting a prefix's wineserver and services in
	// its namespace (2 to 5 s).
	startTimeout = time.Minute
	// killTimeout bounds wineserver -k at cleanup.
	killTimeout = 20 * time.Second
	// buildTimeout bounds building wfh.exe: a cold cross-compile of the
	// standard library for Windows takes minutes on a shared machine.
	buildTimeout = 10 * time.Minute
	// templateVersion changes the template's cache key whenever the way
	// it is built changes.
	templateVersion = "1"
)

// Packages names what Require needs, for skip messages and .ci/run.
const Packages = "Debian packages wine, wine64 and gcc-mingw-w64-x86-64"

// Require skips t unless Wine, its wineserver, mingw and unshare are
// installed on Linux.
func Require(t netlab.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("winetest: Wine runs the Windows binary on Linux only")
	}
	for _, tool := range []string{"wine", "wineserver", "wineboot", "x86_64-w64-mingw32-gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("winetest: %s not found (install the %s)", tool, Packages)
		}
	}
	// Debian's wine runs 64-bit programs with the wine64 loader, which is
	// not on PATH.
	if _, err := exec.LookPath("wine64"); err != nil {
		if _, err := os.Stat("/usr/lib/wine/wine64"); err != nil {
			t.Skipf("winetest: the wine64 loader not found (install the %s)", Packages)
		}
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("winetest: unshare not found (install the Debian package util-linux)")
	}
}

var (
	exeOnce, linuxOnce sync.Once
	exePath, linuxPath string
	exeErr, linuxErr   error
)

// WfhExe builds cmd/wfh for windows/amd64 once per process and returns
// the path of wfh.exe. The build directory is named after this process so
// that a later run can remove it (see sweepBuilds).
func WfhExe(t netlab.TB) string {
	t.Helper()
	Require(t)
	exeOnce.Do(func() { exePath, exeErr = build("wfh.exe", "GOOS=windows", "GOARCH=amd64") })
	if exeErr != nil {
		t.Fatalf("winetest: %v", exeErr)
	}
	return exePath
}

// WfhLinux builds cmd/wfh for this machine once per process, for what
// runs beside wfh.exe (wfh serve in the server namespace).
func WfhLinux(t netlab.TB) string {
	t.Helper()
	linuxOnce.Do(func() { linuxPath, linuxErr = build("wfh") })
	if linuxErr != nil {
		t.Fatalf("winetest: %v", linuxErr)
	}
	return linuxPath
}

// build compiles cmd/wfh as name in this process's build directory, with
// env added to go build's environment.
func build(name string, env ...string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	sweepBuilds()
	dir := filepath.Join(os.TempDir(), "wfh-wine-build-"+strconv.Itoa(os.Getpid()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(dir, name)
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/wfh")
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v: %s", name, err, b)
	}
	return out, nil
}

// sweepBuilds removes the wfh.exe builds of test processes that no longer
// run.
func sweepBuilds() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "wfh-wine-build-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "wfh-wine-build-"))
		if err == nil && pid != os.Getpid() && !alive(pid) {
			_ = os.RemoveAll(d)
		}
	}
}

// moduleRoot is the directory of wfh's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the wfh module (go env GOMOD is empty)")
	}
	return filepath.Dir(mod), nil
}

// WinPath is the path under which a Windows program in a Wine prefix sees
// the Linux path p: Wine maps drive Z: to the Linux root.
func WinPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	return `Z:` + strings.ReplaceAll(abs, "/", `\`)
}

// wineEnv is the environment of every Wine command: the prefix, Wine's
// own messages off (they would interleave with wfh's stderr), no Mono or
// Gecko installer prompts, no desktop menu entries, and no proxy
// variables (Windows programs under Wine see the Linux environment).
func wineEnv(prefix string, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES", "WINESERVER", "DISPLAY", "WAYLAND_DISPLAY",
			"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "WINEPREFIX="+prefix, "WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree=;mshtml=;winemenubuilder.exe=d")
	return append(env, extra...)
}

// runTool runs a short Wine tool bounded by d and returns its combined
// output; stdin is empty and the output goes to a file (see the rules).
func runTool(d time.Duration, env []string, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	return runToFile(cmd, nil)
}

// runToFile runs cmd with its stdout (and stderr, unless errOut is given)
// in temporary files, so helper processes that inherit them cannot hold
// a pipe open, and returns what it wrote.
func runToFile(cmd *exec.Cmd, errOut *[]byte) ([]byte, error) {
	out, err := os.CreateTemp("", "wfh-wine-out-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd.Stdout = out
	var errFile *os.File
	if errOut != nil {
		errFile, err = os.CreateTemp("", "wfh-wine-err-")
		if err != nil {
			return nil, err
		}
		defer os.Remove(errFile.Name())
		defer errFile.Close()
		cmd.Stderr = errFile
	} else {
		cmd.Stderr = out
	}
	runErr := cmd.Run()
	b, rerr := os.ReadFile(out.Name())
	if rerr != nil && runErr == nil {
		runErr = rerr
	}
	if errFile != nil {
		*errOut, _ = os.ReadFile(errFile.Name())
	}
	if runErr != nil && errOut == nil {
		return b, fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), runErr, bytes.TrimSpace(b))
	}
	return b, runErr
}

var (
	templateOnce sync.Once
	templateDir  string
	templateErr  error
)

// template returns the booted prefix every test prefix is copied from,
// booting it on first use on this machine.
func template(t netlab.TB) string {
	t.Helper()
	templateOnce.Do(func() { templateDir, templateErr = ensureTemplate() })
	if templateErr != nil {
		t.Fatalf("winetest: %v", templateErr)
	}
	return templateDir
}

// templateKey names the template after what makes it: Wine's version, the
// DLL's source and the way the template is built.
func templateKey() (string, error) {
	out, err := exec.Command("wine", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("wine --version: %w", err)
	}
	h := sha256.New()
	for _, b := range [][]byte{out, prngSource, prngDef, []byte(templateVersion)} {
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// readyMark is written last into a finished template.
const readyMark = ".wfh-template-ready"

func ensureTemplate() (string, error) {
	key, err := templateKey()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(os.TempDir(), "wfh-wine-template-"+key)
	if _, err := os.Stat(filepath.Join(dir, readyMark)); err == nil {
		return dir, nil
	}
	// One booting test binary at a time; the others wait and reuse it.
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, readyMark)); err == nil {
		return dir, nil
	}
	// Holding the lock, every other template is stale: half-built ones
	// of killed runs, and those of another Wine or DLL (700 MB each).
	stale, _ := filepath.Glob(filepath.Join(os.TempDir(), "wfh-wine-template-*"))
	for _, d := range stale {
		if info, err := os.Stat(d); err == nil && info.IsDir() {
			_ = os.RemoveAll(d)
		}
	}
	building, err := os.MkdirTemp(os.TempDir(), "wfh-wine-template-building-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(building) // gone once renamed
	if err := boot(building); err != nil {
		return "", err
	}
	if err := buildPrng(filepath.Join(building, "drive_c", "windows", "system32", "bcryptprimitives.dll")); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(building, readyMark), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(building, dir); err != nil {
		return "", fmt.Errorf("keep the Wine template: %w", err)
	}
	return dir, nil
}

// boot runs wineboot -i for prefix in a namespace without network, then
// ends the prefix's wineserver (and with it every Wine process of the
// prefix).
func boot(prefix string) error {
	env := wineEnv(prefix, nil)
	_, err := runTool(bootTimeout, env, "unshare", "--net", "--", "wineboot", "-i")
	// The server outlives wineboot for a few seconds; end it either way.
	_, _ = runTool(killTimeout, env, "wineserver", "-k")
	if err != nil {
		return fmt.Errorf("boot a Wine prefix (%s): %w", Packages, err)
	}
	if _, err := os.Stat(filepath.Join(prefix, "system.reg")); err != nil {
		return fmt.Errorf("wineboot made no prefix in %s: %w", prefix, err)
	}
	return nil
}

// buildPrng compiles prng/processprng.c into dst with mingw: a DLL
// exporting ProcessPrng, without the C runtime.
func buildPrng(dst string) error {
	dir, err := os.MkdirTemp("", "wfh-wine-prng-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src, def := filepath.Join(dir, "processprng.c"), filepath.Join(dir, "processprng.def")
	if err := os.WriteFile(src, prngSource, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(def, prngDef, 0o644); err != nil {
		return err
	}
	_, err = runTool(time.Minute, os.Environ(), "x86_64-w64-mingw32-gcc", "-shared", "-O2", "-s", "-nostdlib",
		"-Wl,--entry,DllMain", "-o", dst, src, def, "-ladvapi32")
	if err != nil {
		return fmt.Errorf("build bcryptprimitives.dll: %w", err)
	}
	return nil
}

// copyPrefix copies the template to dst. The DLLs and programs under
// drive_c/windows (some 700 MB that Wine only reads) are hard-linked; the
// registry and everything else, which Wine writes, are copied.
func copyPrefix(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if rel == readyMark {
			return nil
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case !d.Type().IsRegular():
			return nil // sockets and the like: Wine makes its own
		}
		if strings.HasPrefix(filepath.ToSlash(rel), "drive_c/windows/") {
			if err := os.Link(path, to); err == nil {
				return nil
			}
			// Another file system: copy.
		}
		return copyFile(path, to, info.Mode().Perm())
	})
}

func copyFile(from, to string, perm fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

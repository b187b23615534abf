package all

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// listedPackage is what `go list -json` says of one package.
type listedPackage struct {
	ImportPath                               string
	Imports, Deps, TestImports, XTestImports []string
}

// goList runs `go list -json` on patterns from the module root.
func goList(t *testing.T, patterns ...string) map[string]listedPackage {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go tool is not on PATH")
	}
	cmd := exec.Command("go", append([]string{"list", "-json"}, patterns...)...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// TestNoCheckImportsAnother keeps the architecture's rule: a check package
// never imports another (directly or through any package it uses, tests
// included), so checks share facts only through checks.Env (the run's
// network state) and the report; and cmd/wfh reaches the checks only
// through checks/all and checks.
func TestNoCheckImportsAnother(t *testing.T) {
	pkgs := goList(t, "./checks/...", "./cmd/...")
	const module = "github.com/wfh-cli/wfh"
	all, ok := pkgs[module+"/checks/all"]
	if !ok {
		t.Fatal("go list did not list checks/all")
	}
	// The check packages are those checks/all registers.
	isCheck := map[string]bool{}
	for _, imp := range all.Imports {
		if strings.HasPrefix(imp, module+"/checks/") {
			isCheck[imp] = true
		}
	}
	if len(isCheck) < 9 {
		t.Fatalf("checks/all imports %d check packages: %v", len(isCheck), all.Imports)
	}
	for path, p := range pkgs {
		if path == all.ImportPath || !strings.HasPrefix(path, module+"/checks/") {
			continue
		}
		for _, dep := range slices.Concat(p.Deps, p.TestImports, p.XTestImports) {
			if isCheck[dep] && dep != path {
				t.Errorf("%s imports the check package %s: checks share facts through checks.Env, never by importing each other", path, dep)
			}
		}
	}
	cmd, ok := pkgs[module+"/cmd/wfh"]
	if !ok {
		t.Fatal("go list did not list cmd/wfh")
	}
	for _, imp := range slices.Concat(cmd.Imports, cmd.TestImports, cmd.XTestImports) {
		if isCheck[imp] {
			t.Errorf("cmd/wfh imports the check package %s: it reaches checks only through checks/all and checks (Registry.NamedHosts, Registry.DescribeHost)", imp)
		}
	}
}

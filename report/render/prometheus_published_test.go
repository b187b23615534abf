package render

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The metrics read figures by name from named checks; a name no check
// publishes gives a family that is never written, and nothing else notices.
// Like the summary's TestEveryKeyFigureIsPublished, this reads the checks'
// source (every file, whatever its build tags) rather than running them: a
// figure counts as published when the check's package uses its report.Key
// constant or spells the name as a string literal, and each value of a
// one-hot family appears as a literal in the code that sets the fact. It is
// a coarser scan than the summary's, which tells publishing from reading;
// the summary's test already covers most of these names that way, and the
// checks' own tests assert each branch's figures.

// promSources are the source folders that hold what a check publishes.
var promSources = map[string][]string{
	promCheckNetwork:   {"checks/network", "internal/netstate"},
	promCheckSystem:    {"checks/system"},
	promCheckWiFi:      {"checks/wifi"},
	promCheckLatency:   {"checks/latency"},
	promCheckBandwidth: {"checks/bandwidth"},
	promCheckDNS:       {"checks/dns"},
	promCheckVPN:       {"checks/vpn"},
}

// promBuiltNames are names a check builds from parts: the expression that
// builds them, as written in the check.
var promBuiltNames = map[string]string{
	"loaded_latency_download_ms": `"loaded_latency_"+dir+"_ms"`,
	"loaded_latency_upload_ms":   `"loaded_latency_"+dir+"_ms"`,
}

func TestPrometheusFiguresArePublished(t *testing.T) {
	consts := keyConstantNames(t)
	type want struct{ check, name string }
	var wants []want
	for _, f := range promFigures {
		wants = append(wants, want{f.check, f.name})
	}
	for _, d := range promDirections {
		wants = append(wants, want{promCheckBandwidth, d.name})
	}
	for _, h := range promOneHots {
		wants = append(wants, want{h.check, h.fact})
	}
	wants = append(wants, want{promCheckDNS, keyValue(t, consts, "ItemKindResolver")},
		want{promCheckDNS, keyValue(t, consts, "AttrResolverRole")}, want{promCheckDNS, keyValue(t, consts, "KeyResolverMedianMs")})

	src := map[string]string{}
	for check, dirs := range promSources {
		src[check] = readGoSource(t, dirs...)
	}
	for _, w := range wants {
		code := src[w.check]
		if code == "" {
			t.Fatalf("no source folder for check %q", w.check)
		}
		evidence := []string{strconv.Quote(w.name)}
		if c, ok := consts[w.name]; ok {
			evidence = append(evidence, "report."+c)
		}
		if e, ok := promBuiltNames[w.name]; ok {
			evidence = append(evidence, e)
		}
		if !containsAny(code, evidence) {
			t.Errorf("the metrics read %q from check %s, whose source has none of %v", w.name, w.check, evidence)
		}
	}
	for _, h := range promOneHots {
		for _, v := range h.values {
			if !strings.Contains(src[h.check], strconv.Quote(v)) {
				t.Errorf("%s lists %q for fact %s, which check %s's source never writes", h.family, v, h.fact, h.check)
			}
		}
	}
	for _, role := range []string{"system", "local_stub", "per_domain", "fallback", "public_comparison"} {
		if !strings.Contains(src[promCheckDNS], strconv.Quote(role)) {
			t.Errorf("docs/fleet.md lists the DNS role %q, which the dns check does not write", role)
		}
	}
}

// keyConstantNames maps each string constant of report/keys.go and
// report/fleetkeys.go to its name.
func keyConstantNames(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, file := range []string{"keys.go", "fleetkeys.go"} {
		addConstants(t, filepath.Join("..", file), out)
	}
	return out
}

func addConstants(t *testing.T, path string, out map[string]string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if i < len(vs.Values) {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					// Two constants may share a value (a metric and an item
					// metric); either spelling counts.
					if _, dup := out[v]; !dup {
						out[v] = name.Name
					}
				}
			}
		}
		return false
	})
}

func keyValue(t *testing.T, consts map[string]string, name string) string {
	t.Helper()
	for v, n := range consts {
		if n == name {
			return v
		}
	}
	t.Fatalf("report/fleetkeys.go has no constant %s", name)
	return ""
}

// readGoSource concatenates the non-test Go files of the folders, given
// from the module root.
func readGoSource(t *testing.T, dirs ...string) string {
	t.Helper()
	var b strings.Builder
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join("..", "..", filepath.FromSlash(dir), "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

package summary

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The summary reads key figures by name (figures, from report/keys.go); a
// name that no check publishes gives a row that never shows, and nothing
// else notices. TestEveryKeyFigureIsPublished proves each name is published
// by the check the summary reads it from, by reading the checks' source.
//
// Why a source scan and not a run of every check: the figures come from
// seven checks, and the branch that publishes each one needs a speed-test
// server, ICMP to a ladder of routers, a VPN tunnel, a Wi-Fi card or a
// resolver that fails in a given way. Running them here would mean either a
// root-only lab of several minutes or a second set of fakes for every
// check, kept in step with each check's own; each check's own tests already
// run those branches and assert their figures. What can drift unnoticed is
// the name between the check that writes it and the summary that reads it,
// and that is what the scan proves, in milliseconds, on every OS: the
// report.Key constant the summary reads is used by that check in a place
// that publishes it. The scan reads every file, whatever its build tags,
// so a figure published only on Windows counts too.
//
// A place that publishes, in a check's non-test source:
//   - a metric: the name argument of report.Measured or report.NotMeasured;
//   - a fact: the key written into a Facts map (r.Facts[K] = v), a key of a
//     Facts: map[string]string{K: v} literal, or a key written into a local
//     map[string]string that a helper fills (m[K] = v);
//   - either, one step removed: a local variable bound to the constant, or
//     the argument of a function or closure of the checks' packages whose
//     parameter reaches one of the places above (setFact(res.Facts, K, v),
//     set(K, v)), followed to any depth.
//
// Reading a figure (switch r.Facts[K], r.Metric(K), m.Name == K,
// delete(r.Facts, K)) is not publishing it. The scan cannot tell a result's
// metric from an item's, both being built by report.Measured; the summary's
// own test (TestEveryFigureShows) fixes that the summary reads the result's.

// figureKind is a set of ways a name is published.
type figureKind uint8

const (
	asMetric figureKind = 1 << iota
	asFact
)

func kindOf(f figure) figureKind {
	if f.Fact {
		return asFact
	}
	return asMetric
}

func (k figureKind) String() string {
	switch k {
	case asMetric:
		return "metric"
	case asFact:
		return "fact"
	case asMetric | asFact:
		return "metric and fact"
	}
	return "nothing"
}

const (
	modulePath   = "github.com/wfh-cli/wfh"
	reportImport = modulePath + "/report"
	checksImport = modulePath + "/checks"
)

func TestEveryKeyFigureIsPublished(t *testing.T) {
	keys := keyConstants(t)
	pkgs := parseChecks(t, filepath.Join("..", "..", "checks"))
	published := publishedKeys(pkgs)
	ids := checkIDs(pkgs)
	for _, f := range allFigures() {
		pkg, ok := ids[f.Check]
		if !ok {
			t.Errorf("the summary reads %q from check %q, but no package under checks/ has that ID()", f.Name, f.Check)
			continue
		}
		got := published[pkg][keys.byValue[f.Name]]
		if got&kindOf(f) == 0 {
			t.Errorf("the summary reads %s %q (report.%s) from check %q, but %s does not publish it as a %s (it publishes it as: %s); "+
				"pass report.%s to report.Measured/NotMeasured or write it as a Facts key there, or read the name the check publishes",
				kindOf(f), f.Name, keys.byValue[f.Name], f.Check, strings.TrimPrefix(pkg, modulePath+"/"), kindOf(f), got, keys.byValue[f.Name])
		}
	}
}

// TestPublicationScanner runs the scan on small checks, so that the rule
// above is shown to tell publishing from reading and is never vacuous.
func TestPublicationScanner(t *testing.T) {
	const src = `package fake

import (
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/checks/helper"
)

type check struct{}

func (*check) ID() string { return "fake" }

func run(r *report.Result, up bool) {
	r.Metrics = append(r.Metrics, report.Measured(report.KeyRTTMs, 1, "ms"))
	r.Facts[report.KeyVPNState] = "connected"
	r.Facts = map[string]string{report.KeyBand: "5 GHz"}
	name := [...]string{report.KeyDownloadMbps, report.KeyUploadMbps}[0]
	r.Metrics = append(r.Metrics, report.NotMeasured(name, "Mbit/s", "why"))
	setFact(r.Facts, report.KeyOSName, "Debian")
	set := func(k, v string) {
		f := map[string]string{}
		f[k] = v
	}
	set(report.KeyStandard, "Wi-Fi 6")
	num := func(n string) report.Metric { return report.Measured(n, 1, "") }
	r.Metrics = append(r.Metrics, num(report.KeySignalDBm))
	helper.Publish(r, report.KeyCallQuality)
	r.note(report.KeyTargetsTested)

	// reads, not publications
	switch r.Facts[report.KeyConnectivity] {
	}
	_, _ = r.Metric(report.KeyJitterMs)
	delete(r.Facts, report.KeyProblemsStart)
	_ = report.KeyLossPercent == "x"
	ignore(report.KeyGatewayRTTMs)
	r.Metrics = append(r.Metrics, report.Measured(report.KeyUploadMbps+"_x", 1, ""))
}

func setFact(m map[string]string, key, value string) { m[key] = value }

func ignore(string) {}

func (r *report.Result) note(n string) { r.Metrics = append(r.Metrics, report.NotMeasured(n, "", "")) }
`
	const helper = `package helper

import "github.com/wfh-cli/wfh/report"

func Publish(r *report.Result, k string) { r.Facts[k] = "x" }
`
	pkgs := map[string]*checkPackage{}
	for _, s := range []struct{ path, src string }{{checksImport + "/fake", src}, {checksImport + "/helper", helper}} {
		f, err := parser.ParseFile(token.NewFileSet(), s.path+".go", s.src, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkgs[s.path] = &checkPackage{path: s.path, files: []*ast.File{f}}
	}
	got := publishedKeys(pkgs)[checksImport+"/fake"]
	want := map[string]figureKind{
		"KeyRTTMs": asMetric, "KeyVPNState": asFact, "KeyBand": asFact, "KeyDownloadMbps": asMetric,
		"KeyUploadMbps": asMetric, "KeyOSName": asFact, "KeyStandard": asFact, "KeySignalDBm": asMetric,
		"KeyCallQuality": asFact, "KeyTargetsTested": asMetric,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("published = %v\nwant        %v", got, want)
	}
	if ids := checkIDs(pkgs); ids["fake"] != checksImport+"/fake" || len(ids) != 1 {
		t.Errorf("check IDs = %v", ids)
	}
}

// allFigures lists the fields of figures.
func allFigures() []figure {
	v := reflect.ValueOf(figures)
	out := make([]figure, v.NumField())
	for i := range out {
		out[i] = v.Field(i).Interface().(figure)
	}
	return out
}

type keyNames struct {
	byName  map[string]string // KeyRTTMs -> rtt_ms
	byValue map[string]string // rtt_ms -> KeyRTTMs
}

// keyConstants reads the Key constants of report/keys.go.
func keyConstants(t *testing.T) keyNames {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "keys.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	k := keyNames{byName: map[string]string{}, byValue: map[string]string{}}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || !strings.HasPrefix(n.Name, "Key") {
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				k.byName[n.Name], k.byValue[v] = v, n.Name
			}
		}
	}
	if len(k.byName) == 0 {
		t.Fatal("no Key constants in report/keys.go")
	}
	return k
}

type checkPackage struct {
	path  string // import path
	files []*ast.File
}

// parseChecks parses the non-test Go files of every package under dir.
func parseChecks(t *testing.T, dir string) map[string]*checkPackage {
	t.Helper()
	pkgs := map[string]*checkPackage{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, filepath.Dir(p))
		if err != nil {
			return err
		}
		ip := path.Join(checksImport, filepath.ToSlash(rel))
		if pkgs[ip] == nil {
			pkgs[ip] = &checkPackage{path: ip}
		}
		pkgs[ip].files = append(pkgs[ip].files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 5 {
		t.Fatalf("found %d packages under %s; is the test run from report/summary?", len(pkgs), dir)
	}
	return pkgs
}

// checkIDs maps each check's ID() to its package: the packages whose
// ID method returns a string literal.
func checkIDs(pkgs map[string]*checkPackage) map[string]string {
	ids := map[string]string{}
	for ip, p := range pkgs {
		for _, f := range p.files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv == nil || fd.Name.Name != "ID" || fd.Body == nil || len(fd.Body.List) != 1 {
					continue
				}
				ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
				if !ok || len(ret.Results) != 1 {
					continue
				}
				if lit, ok := ret.Results[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					id, _ := strconv.Unquote(lit.Value)
					ids[id] = ip
				}
			}
		}
	}
	return ids
}

// fn is a function, method or named closure of the checks' packages.
type fn struct {
	pkg     string
	file    *ast.File
	parent  *fn                   // the function a closure is declared in
	params  map[string]int        // parameter name -> index
	types   map[string]ast.Expr   // parameter name -> type
	body    *ast.BlockStmt        // nil for a declaration without body
	locals  map[string][]ast.Expr // local name -> what is assigned to it
	closure map[string]*fn        // named closures declared in the body
	lits    map[*ast.FuncLit]bool // their literals, walked on their own
}

// scanner holds the functions of all packages and which of their
// parameters publish.
type scanner struct {
	funcs   map[string][]*fn // "pkg.Name" and "pkg.(method)Name" -> candidates
	publish map[*fn]map[int]figureKind
}

// publishedKeys returns, per package, the Key constants it publishes and how.
func publishedKeys(pkgs map[string]*checkPackage) map[string]map[string]figureKind {
	s := &scanner{funcs: map[string][]*fn{}, publish: map[*fn]map[int]figureKind{}}
	var all []*fn
	for ip, p := range pkgs {
		for _, f := range p.files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				x := newFn(ip, f, nil, fd.Type, fd.Body)
				key := ip + "." + fd.Name.Name
				if fd.Recv != nil {
					key = ip + ".(method)" + fd.Name.Name
				}
				s.funcs[key] = append(s.funcs[key], x)
				all = append(all, x)
				all = append(all, x.closures()...)
			}
		}
	}
	// Which parameters publish depends on the functions they are passed
	// to, so repeat until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, x := range all {
			s.walk(x, func(i int, k figureKind) {
				if s.publish[x] == nil {
					s.publish[x] = map[int]figureKind{}
				}
				if s.publish[x][i]|k != s.publish[x][i] {
					s.publish[x][i] |= k
					changed = true
				}
			}, nil)
		}
	}
	out := map[string]map[string]figureKind{}
	for _, x := range all {
		s.walk(x, nil, func(key string, k figureKind) {
			if out[x.pkg] == nil {
				out[x.pkg] = map[string]figureKind{}
			}
			out[x.pkg][key] |= k
		})
	}
	return out
}

func newFn(pkg string, file *ast.File, parent *fn, typ *ast.FuncType, body *ast.BlockStmt) *fn {
	x := &fn{pkg: pkg, file: file, parent: parent, params: map[string]int{}, types: map[string]ast.Expr{}, body: body,
		locals: map[string][]ast.Expr{}, closure: map[string]*fn{}, lits: map[*ast.FuncLit]bool{}}
	i := 0
	for _, fld := range typ.Params.List {
		if len(fld.Names) == 0 {
			i++
			continue
		}
		for _, n := range fld.Names {
			x.params[n.Name], x.types[n.Name] = i, fld.Type
			i++
		}
	}
	if body == nil {
		return x
	}
	bind := func(lhs []ast.Expr, rhs []ast.Expr) {
		if len(lhs) != len(rhs) {
			return
		}
		for i, l := range lhs {
			id, ok := l.(*ast.Ident)
			if !ok {
				continue
			}
			if lit, ok := rhs[i].(*ast.FuncLit); ok {
				x.closure[id.Name] = newFn(pkg, file, x, lit.Type, lit.Body)
				x.lits[lit] = true
				continue
			}
			x.locals[id.Name] = append(x.locals[id.Name], rhs[i])
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return !x.lits[n]
		case *ast.AssignStmt:
			bind(n.Lhs, n.Rhs)
		case *ast.ValueSpec:
			lhs := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				lhs[i] = id
			}
			bind(lhs, n.Values)
		}
		return true
	})
	return x
}

// closures returns x's named closures and theirs.
func (x *fn) closures() []*fn {
	var out []*fn
	for _, c := range x.closure {
		out = append(out, c)
		out = append(out, c.closures()...)
	}
	return out
}

// local is what is assigned to name in x or, captured, in the functions
// around it.
func (x *fn) local(name string) []ast.Expr {
	for f := x; f != nil; f = f.parent {
		if _, ok := f.params[name]; ok && f != x {
			return nil
		}
		if v, ok := f.locals[name]; ok {
			return v
		}
	}
	return nil
}

// importName is the name under which file imports path, or "".
func importName(file *ast.File, ip string) string {
	for _, im := range file.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		if p != ip {
			continue
		}
		if im.Name != nil {
			return im.Name.Name
		}
		return path.Base(p)
	}
	return ""
}

// keysIn finds the Key constants and the parameters of x that expression e
// carries as a whole, following x's locals. A constant that is only part
// of the value (report.KeyX + "_up") or an argument of a call is another
// name, and is not counted.
func (x *fn) keysIn(e ast.Expr, seen map[string]bool) (keys []string, params []int) {
	rep := importName(x.file, reportImport)
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.CallExpr:
			return false
		case *ast.BinaryExpr:
			return false
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && rep != "" && id.Name == rep && strings.HasPrefix(n.Sel.Name, "Key") {
				keys = append(keys, n.Sel.Name)
			}
			return false
		case *ast.Ident:
			if i, ok := x.params[n.Name]; ok {
				params = append(params, i)
			} else if !seen[n.Name] {
				seen[n.Name] = true
				for _, v := range x.local(n.Name) {
					k, _ := x.keysIn(v, seen)
					keys = append(keys, k...)
				}
			}
		}
		return true
	})
	return keys, params
}

// isStringMap reports whether e names a map[string]string: a Facts field,
// a parameter of that type or a local made as one.
func (x *fn) isStringMap(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name == "Facts"
	case *ast.Ident:
		if t, ok := x.types[e.Name]; ok {
			return stringMapType(t)
		}
		for _, v := range x.local(e.Name) {
			switch v := v.(type) {
			case *ast.CompositeLit:
				if stringMapType(v.Type) {
					return true
				}
			case *ast.CallExpr:
				if id, ok := v.Fun.(*ast.Ident); ok && id.Name == "make" && len(v.Args) > 0 && stringMapType(v.Args[0]) {
					return true
				}
			}
		}
	}
	return false
}

func stringMapType(t ast.Expr) bool {
	m, ok := t.(*ast.MapType)
	if !ok {
		return false
	}
	k, ok1 := m.Key.(*ast.Ident)
	v, ok2 := m.Value.(*ast.Ident)
	return ok1 && ok2 && k.Name == "string" && v.Name == "string"
}

// callee returns the functions of the checks' packages a call may reach:
// a closure in scope, a function of the package or of another package
// under checks/, or any method of the package with that name.
func (s *scanner) callee(x *fn, call *ast.CallExpr) []*fn {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		for c := x; c != nil; c = c.parent {
			if cl, ok := c.closure[f.Name]; ok {
				return []*fn{cl}
			}
		}
		return s.funcs[x.pkg+"."+f.Name]
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			for _, im := range x.file.Imports {
				p, _ := strconv.Unquote(im.Path.Value)
				if importName(x.file, p) != id.Name {
					continue
				}
				if p == checksImport || strings.HasPrefix(p, checksImport+"/") {
					return s.funcs[p+"."+f.Sel.Name]
				}
				return nil // another package's function
			}
		}
		return s.funcs[x.pkg+".(method)"+f.Sel.Name]
	}
	return nil
}

// walk visits every place in x's body that publishes an expression, and
// reports the parameters of x (param) and the Key constants (key) that
// reach it. Named closures are functions of their own and not walked here.
func (s *scanner) walk(x *fn, param func(int, figureKind), key func(string, figureKind)) {
	if x.body == nil {
		return
	}
	rep := importName(x.file, reportImport)
	sink := func(e ast.Expr, k figureKind) {
		keys, params := x.keysIn(e, map[string]bool{})
		for _, name := range keys {
			if key != nil {
				key(name, k)
			}
		}
		for _, i := range params {
			if param != nil {
				param(i, k)
			}
		}
	}
	ast.Inspect(x.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return !x.lits[n]
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if ix, ok := l.(*ast.IndexExpr); ok && x.isStringMap(ix.X) {
					sink(ix.Index, asFact)
				}
			}
		case *ast.CompositeLit:
			if stringMapType(n.Type) {
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						sink(kv.Key, asFact)
					}
				}
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && rep != "" && id.Name == rep {
					if (sel.Sel.Name == "Measured" || sel.Sel.Name == "NotMeasured") && len(n.Args) > 0 {
						sink(n.Args[0], asMetric)
					}
					return true
				}
			}
			for _, c := range s.callee(x, n) {
				for i, k := range s.publish[c] {
					if i < len(n.Args) {
						sink(n.Args[i], k)
					}
				}
			}
		}
		return true
	})
}

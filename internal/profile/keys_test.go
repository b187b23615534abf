package profile

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestKeysCoverTheLoader: the key table that the template and the schema
// follow lists exactly the keys Parse accepts, in the struct's order.
func TestKeysCoverTheLoader(t *testing.T) {
	var table []string
	for _, k := range keys {
		table = append(table, k.Path)
	}
	loader := loaderKeyPaths()
	if !slices.Equal(table, loader) {
		t.Errorf("the key table and the loader disagree:\ntable  %q\nloader %q", table, loader)
	}
	for _, k := range keys {
		switch {
		case k.Doc == "":
			t.Errorf("%s has no Doc", k.Path)
		case k.Default == "" && k.DefaultWords != "" && k.Example == "":
			t.Errorf("%s has no default value and no example to show", k.Path)
		case k.Default != "" && k.DefaultWords != "":
			t.Errorf("%s has both a default value and words for it", k.Path)
		}
	}
}

// TestTemplateLoadsAsDefaults: wfh profile init's file is a valid profile
// that changes nothing.
func TestTemplateLoadsAsDefaults(t *testing.T) {
	tmpl := Template()
	p, err := Parse("init.yaml", []byte(tmpl), known)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Path = "init.yaml"
	if !reflect.DeepEqual(p, want) {
		t.Errorf("the template sets something: %+v", p)
	}
	for _, k := range keys {
		if strings.Contains(k.Path, "[]") {
			continue
		}
		name := k.Path[strings.LastIndexByte(k.Path, '.')+1:]
		if !regexp.MustCompile(`(?m)^ *#? ?` + regexp.QuoteMeta(name) + `:`).MatchString(tmpl) {
			t.Errorf("the template does not show %s", k.Path)
		}
	}
	if strings.Contains(tmpl, "\t") {
		t.Error("the template has a tab, which YAML refuses as indentation")
	}
	keyLine := regexp.MustCompile(`^ *# [a-z_]+: `)
	for i, line := range strings.Split(tmpl, "\n") {
		prose := strings.HasPrefix(strings.TrimSpace(line), "#") && !keyLine.MatchString(line)
		if prose && len([]rune(line)) > templateWidth && strings.Contains(strings.TrimSpace(line)[2:], " ") {
			t.Errorf("line %d is %d characters: %q", i+1, len([]rune(line)), line)
		}
	}
}

// uncomment returns the template with its key lines uncommented: the
// defaults, or the examples (and the defaults of keys without one). A line
// after "# for example:" is an example.
func uncomment(tmpl string, examples bool) string {
	lines := strings.Split(tmpl, "\n")
	keyLine := regexp.MustCompile(`^( *)# ([a-z_]+): (.*)$`)
	isMarker := func(i int) bool { return i >= 0 && i < len(lines) && strings.TrimSpace(lines[i]) == "# for example:" }
	for i, line := range lines {
		m := keyLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		isExample, hasExample := isMarker(i-1), isMarker(i+1)
		// vpn.gateway_type is valid only with a gateway, which has no
		// default: the examples cover it.
		if !examples && m[2] == "gateway_type" {
			continue
		}
		if examples && (isExample || !hasExample) || !examples && !isExample {
			lines[i] = m[1] + m[2] + ": " + m[3]
		}
	}
	return strings.Join(lines, "\n")
}

// TestTemplateValuesAreValid: every value the template shows, default or
// example, is one the loader accepts, so uncommenting a line never breaks
// a profile.
func TestTemplateValuesAreValid(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, "acme-root-ca.pem", true)
	for _, examples := range []bool{false, true} {
		text := uncomment(Template(), examples)
		path := filepath.Join(dir, "profile.yaml")
		mustWrite(t, path, text)
		p, err := Load(path, known)
		if err != nil {
			t.Fatalf("examples %v: %v\n%s", examples, err, text)
		}
		if !examples && (p.Timeout.Std().String() != "1m0s" || p.System.MaxUptimeDays != 14 || p.Bandwidth.MaxData != 250_000_000) {
			t.Errorf("the defaults read back wrong: %+v", p)
		}
		if examples && (p.Report.PostURL == "" || p.VPN.Gateway == "" || len(p.DNS.CompanyNames) != 2 || p.CompanyCA == "") {
			t.Errorf("the examples read back wrong: %+v", p)
		}
	}
}

func TestInspect(t *testing.T) {
	src := "name: Acme\ntimeout: 2m\nchecks:\n  skip: [system]\ndns:\n  company_names:\n    - name: sso.acme.example\n      vpn_only: true\nlatency:\n  gateway: off\nsystem:\n"
	_, got, err := Inspect("acme.yaml", []byte(src), known)
	if err != nil {
		t.Fatal(err)
	}
	want := []Setting{
		{Path: "name", Value: "Acme", Line: 1},
		{Path: "timeout", Value: "2m", Line: 2},
		{Path: "checks.skip", Value: "[system]", Line: 4},
		{Path: "latency.gateway", Value: "off", Line: 10},
		{Path: "dns.company_names", Value: "[{name: sso.acme.example, vpn_only: true}]", Line: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if _, s, err := Inspect("empty.yaml", nil, known); err != nil || len(s) != 0 {
		t.Errorf("empty profile: %v %v", s, err)
	}
}

func TestExampleTemplateFile(t *testing.T) {
	// A copy of the template ships in docs/ for IT to read without
	// running wfh; it must be the template of this build.
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "profile-template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != Template() {
		t.Error("docs/profile-template.yaml differs from Template(): run go run ./cmd/wfh profile init > docs/profile-template.yaml")
	}
}

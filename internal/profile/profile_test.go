package profile

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// known are the check IDs the tests validate against.
var known = Options{KnownChecks: []string{"system", "network", "dns", "camera", "bandwidth"}}

// errorCases are inputs that must be refused, with the line the error names
// and text its message must contain. They also seed FuzzParse.
var errorCases = []struct {
	name string
	in   string
	line int
	want []string
}{
	// Unknown keys, with the closest valid key when it is a likely typo.
	{"typo at top level", "name: x\nchekcs:\n  only: [dns]\n", 2, []string{
		`unknown key "chekcs" at the top level`, `did you mean "checks"?`,
		"valid keys: name, company_ca, timeout, fail_on, checks, system"}},
	{"typo in section", "checks:\n  onyl: [dns]\n", 2, []string{
		`unknown key "onyl" in section "checks"; did you mean "only"? valid keys: only, skip`}},
	{"unknown nested key, no guess", "system:\n  max_uptime_days: 3\n  printer: yes\n", 3, []string{
		`unknown key "printer" in section "system"; valid keys: max_uptime_days`}},
	{"wrong case", "Timeout: 2m\n", 1, []string{`did you mean "timeout"?`}},
	{"key in the wrong section", "name: x\nmax_uptime_days: 3\n", 2, []string{
		`unknown key "max_uptime_days" at the top level`, `"max_uptime_days" belongs in section "system"`}},
	{"top-level key indented", "system:\n  timeout: 2m\n", 2, []string{`"timeout" belongs at the top level`}},
	{"dotted key", "system.max_uptime_days: 3\n", 1, []string{`write "system:" on its own line and "max_uptime_days:" indented under it`}},

	// Duplicates.
	{"duplicate key", "name: a\nfail_on: warn\nname: b\n", 3, []string{
		`key "name" appears twice at the top level (first on line 1); keep only one of them`}},
	{"duplicate nested key", "checks:\n  skip: [dns]\n  skip: [camera]\n", 3, []string{`key "skip" appears twice in section "checks"`}},

	// Wrong types.
	{"list for text", "name: [a, b]\n", 1, []string{"name must be a single value, got a list", "in quotes if it starts with ["}},
	{"section for text", "fail_on:\n  level: warn\n", 2, []string{"fail_on must be a single value, got a section of keys"}},
	{"text for number", "system:\n  max_uptime_days: two weeks\n", 2, []string{
		`system.max_uptime_days must be a whole number, got "two weeks"; write digits only, e.g. max_uptime_days: 30`}},
	{"fraction for number", "system:\n  max_uptime_days: 1.5\n", 2, []string{"system.max_uptime_days must be a whole number, got 1.5"}},
	{"bool for number", "system:\n  max_uptime_days: true\n", 2, []string{"must be a whole number, got true"}},
	{"huge number", "system:\n  max_uptime_days: 99999999999999999999999999\n", 2, []string{"system.max_uptime_days is too large"}},
	{"number past int64", "system:\n  max_uptime_days: 18446744073709551615\n", 2, []string{"system.max_uptime_days is out of range"}},
	{"text for section", "system: fast\n", 1, []string{`system must be a section of keys, got "fast"`, "valid keys: max_uptime_days"}},
	{"text for list", "checks:\n  skip: camera\n", 2, []string{`checks.skip must be a list, got "camera"`, "write skip: [a, b]"}},
	{"list in list", "checks:\n  skip:\n    - [dns]\n", 3, []string{"checks.skip[0] must be a single value, got a list"}},
	{"empty list item", "checks:\n  skip:\n    - dns\n    -\n", 4, []string{"checks.skip[1] is empty"}},
	{"unsupported tag", "name: !secret x\n", 1, []string{`name uses the tag "!secret"`, "remove the tag"}},
	{"list as key", "? [a, b]\n: c\n", 1, []string{"a key at the top level is a list, not a name"}},
	{"merge key", "checks: &c\n  skip: [dns]\nsystem:\n  <<: *c\n", 4, []string{"merge keys (<<) are not supported"}},
	{"alias to its own section", "checks: &c\n  only: *c\n", 2, []string{"checks.only must be a list, got a section of keys"}},

	// Durations.
	{"bare number duration", "name: x\ntimeout: 90\n", 2, []string{`timeout must be a duration with a unit, got 90; add a unit: write "90s"`}},
	{"quoted number duration", "timeout: \"90\"\n", 1, []string{`add a unit: write "90s"`}},
	{"fraction duration", "timeout: 1.5\n", 1, []string{`write "1.5s"`}},
	{"words for duration", "timeout: soon\n", 1, []string{`timeout must be a duration such as "90s", got "soon"`, "(ms, s, m or h)"}},
	{"days for duration", "timeout: 2d\n", 1, []string{`there is no unit for days`}},
	{"list for duration", "timeout: [5s]\n", 1, []string{"timeout must be a duration such as \"90s\", got a list"}},
	{"bool for duration", "timeout: true\n", 1, []string{"timeout must be a duration such as \"90s\", got true"}},

	// Validation after decoding.
	{"timeout too short", "timeout: 2s\n", 1, []string{"timeout must be between 5s and 10m, got 2s", "use at least 5s"}},
	{"timeout too long", "name: x\ntimeout: 1h\n", 2, []string{"timeout must be between 5s and 10m, got 1h;", "use at most 10m"}},
	{"timeout negative", "timeout: -30s\n", 1, []string{"got -30s"}},
	{"timeout zero", "timeout: 0s\n", 1, []string{"got 0s"}},
	{"fail_on unknown", "name: x\nfail_on: error\n", 2, []string{
		`fail_on must be "warn" or "fail", got "error"; write fail_on: fail to exit with 1 only when a check fails`}},
	{"fail_on capitalised", "fail_on: Warn\n", 1, []string{`got "Warn"; did you mean "warn"?`}},
	{"fail_on empty", "fail_on: \"\"\n", 1, []string{`fail_on must be "warn" or "fail", got ""`}},
	{"uptime zero", "system:\n  max_uptime_days: 0\n", 2, []string{"system.max_uptime_days must be between 1 and 365, got 0", "default of 14"}},
	{"ntp server url", "system:\n  ntp_server: https://time.acme.example/\n", 2, []string{"system.ntp_server is not a host name", "optionally with a port"}},
	{"ntp server zone", "system:\n  ntp_server: \"[fe80::1%eth0]:123\"\n", 2, []string{"system.ntp_server names a network interface (%)"}},
	{"ntp server mistyped address", "system:\n  ntp_server: 10.0.0.300\n", 2, []string{"system.ntp_server is not a host name"}},
	{"ntp server bad port", "system:\n  ntp_server: \"time.acme.example:99999\"\n", 2, []string{"bad port"}},
	{"ntp server empty", "system:\n  ntp_server: \"\"\n", 2, []string{"system.ntp_server is empty"}},
	{"anchor not https", "network:\n  anchors:\n    - http://intranet.acme.example/\n", 3, []string{"network.anchors[0] must be an https:// address"}},
	{"portal not a url", "network:\n  portal_url: generate_204\n", 2, []string{"network.portal_url must start with"}},
	{"time url no scheme", "system:\n  time_url: intranet.acme.example\n", 2, []string{"must start with https:// or http://"}},
	{"time url bad host", "system:\n  time_url: https://bad host/\n", 2, []string{"system.time_url"}},
	{"uptime too long", "system:\n  max_uptime_days: 366\n", 2, []string{"between 1 and 365, got 366"}},
	{"camera required as yes", "camera:\n  required: yes\n", 2, []string{`camera.required must be true or false, got "yes"; write true or false`}},
	{"camera as a value", "camera: true\n", 1, []string{"camera must be a section of keys, got true", "valid keys: required"}},
	{"unknown check with guess", "checks:\n  only:\n    - system\n    - dsn\n", 4, []string{
		`checks.only names an unknown check "dsn"; did you mean "dns"? valid checks: system, network, dns, camera, bandwidth`}},
	{"unknown check", "checks:\n  skip: [system, printer]\n", 2, []string{`checks.skip names an unknown check "printer"; valid checks:`}},
	{"empty check name", "checks:\n  skip: [\" \"]\n", 2, []string{"checks.skip has an empty check name"}},
	{"company_ca empty", "company_ca: \"\"\n", 1, []string{"company_ca is empty"}},

	// Shape of the file.
	{"root is a list", "- name: a\n- name: b\n", 1, []string{`the profile must be made of keys such as "name: Acme", got a list`}},
	{"root is text", "\n\nhello\n", 3, []string{`got "hello"`}},
	{"two documents", "name: a\n---\nname: b\n", 2, []string{"a second YAML document starts here", `remove the "---" line`}},
	{"empty second document", "name: a\n---\n", 2, []string{"a second YAML document"}},

	// Syntax errors, reformatted from the library's "yaml: line N: ...".
	{"tab indentation", "name: a\nsystem:\n\tmax_uptime_days: 3\n", 3, []string{"invalid YAML: found character that cannot start any token", "replace the tabs on this line with spaces"}},
	{"unclosed list", "name: a\nchecks:\n  only: [dns\nfail_on: warn\n", 3, []string{"invalid YAML: did not find expected ',' or ']'", "close the [ ]"}},
	{"bad indentation", "name: a\nchecks:\n  skip:\n    - dns\n  x\nfail_on: warn\n", 5, []string{"invalid YAML", "indentation"}},
	{"error on line 1", "name: a: b\n", 1, []string{"invalid YAML: mapping values are not allowed in this context", `quote a value that contains ": "`}},
	{"backslash in double quotes", "name: a\ncompany_ca: \"C:\\certs\\ca.pem\"\n", 2, []string{"found unknown escape character", "'single quotes'"}},
	{"unclosed quote", "name: 'Acme\n", 1, []string{"found unexpected end of stream", "close the quote"}},
	{"control character", "name: a\nfail_on: w\x00arn\n", 2, []string{"invalid YAML: control characters are not allowed", "save the profile as plain UTF-8 text"}},
	{"invalid UTF-8", "name: a\n\nname2: \xff\xfe\n", 3, []string{"invalid YAML", "UTF-8"}},
	{"unknown anchor", "name: a\nfail_on: *level\n", 2, []string{"invalid YAML: unknown anchor 'level' referenced", "define the anchor"}},
	{"start of value", "name: @acme\n", 1, []string{"found character that cannot start any token", "quote a value that starts with @"}},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("acme.yaml", []byte(tc.in), known)
			if err == nil {
				t.Fatalf("no error; got %+v", p)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if pe.Line != tc.line {
				t.Errorf("line %d, want %d: %v", pe.Line, tc.line, err)
			}
			if pe.Fix == "" {
				t.Errorf("no fix: %v", err)
			}
			text := err.Error()
			if strings.ContainsAny(text, "\r\n") {
				t.Errorf("not one line: %q", text)
			}
			prefix := "acme.yaml: "
			if tc.line > 0 {
				prefix = "acme.yaml:" + strconv.Itoa(tc.line) + ": "
			}
			if !strings.HasPrefix(text, prefix) && !strings.HasPrefix(text, "profile "+prefix) {
				t.Errorf("%q does not start with %q", text, prefix)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q\n  does not contain %q", text, w)
				}
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"blank lines":    "\n\n  \n",
		"comments only":  "# Acme profile\n# nothing set yet\n",
		"document start": "---\n# nothing\n",
		"explicit null":  "~\n",
		"null values":    "name:\ntimeout:\nchecks:\nsystem:\n  max_uptime_days:\n",
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Parse("acme.yaml", []byte(in), known)
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			want.Path = "acme.yaml"
			if !reflect.DeepEqual(p, want) {
				t.Errorf("got %+v, want the default profile", p)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	in := `
name: "Acme: onboarding"
timeout: 1m30s
fail_on: fail
checks:
  only:
    - System
    - dns
  skip: []
system:
  max_uptime_days: 0x1e
`
	p, err := Parse("acme.yaml", []byte(in), known)
	if err != nil {
		t.Fatal(err)
	}
	want := &Profile{
		Path:    "acme.yaml",
		Name:    "Acme: onboarding",
		Timeout: Duration(90 * time.Second),
		FailOn:  "fail",
		// Names are kept as written; the registry matches them like --only.
		Checks: Selection{Only: []string{"System", "dns"}, Skip: []string{}},
		System: System{MaxUptimeDays: 30},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
	if p.Timeout.Std() != 90*time.Second {
		t.Errorf("Std() = %s", p.Timeout.Std())
	}
}

func TestParseWithoutKnownChecks(t *testing.T) {
	// With no list of checks, names are kept for the registry to judge.
	p, err := Parse("acme.yaml", []byte("checks:\n  skip: [printer]\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Checks.Skip, []string{"printer"}) {
		t.Errorf("skip = %q", p.Checks.Skip)
	}
}

func TestAliases(t *testing.T) {
	p, err := Parse("acme.yaml", []byte("name: &n system\nchecks:\n  only: [*n, dns]\n  skip: &s []\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Checks.Only, []string{"system", "dns"}) {
		t.Errorf("only = %q", p.Checks.Only)
	}
}

// billionLaughs nests lists of aliases nine deep: expanded, 9^9 items.
func billionLaughs(key string) string {
	var b strings.Builder
	b.WriteString("checks:\n  only: &a [system, system, system, system, system, system, system, system, system]\n")
	b.WriteString(key + ":\n")
	prev := "a"
	for c := 'b'; c <= 'i'; c++ {
		b.WriteString("  - &" + string(c) + " [" + strings.Repeat("*"+prev+", ", 8) + "*" + prev + "]\n")
		prev = string(c)
	}
	return b.String()
}

// TestAliasBomb guards against a blow-up by the work it costs, not by
// seconds (a busy machine and the race detector stretch those tenfold):
// the walk visits at most maxValues+1 nodes, and parsing allocates in
// proportion to the text, nowhere near the 9^9 values an expansion of
// the aliases would build.
func TestAliasBomb(t *testing.T) {
	for _, in := range []string{
		billionLaughs("name"),
		strings.Replace(billionLaughs("name"), "name:\n", "system:\n  max_uptime_days:\n", 1),
		// Valid shape, many aliases: bounded by maxValues.
		"name: &n system\nchecks:\n  only: [" + strings.Repeat("*n, ", maxValues) + "*n]\n",
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(in), &doc); err != nil {
			t.Fatal(err)
		}
		w := newWalker("acme.yaml", reflect.TypeFor[Profile]())
		_ = w.walk(doc.Content[0], reflect.TypeFor[Profile](), "")
		if visited := maxValues - w.budget; visited > maxValues+1 {
			t.Errorf("the walk visited %d nodes, bound %d", visited, maxValues)
		}

		var err error
		allocated := allocatedBy(func() { _, err = Parse("acme.yaml", []byte(in), known) })
		// About 160 bytes per byte of text measured (210 with -race):
		// the YAML library's nodes and events. 1000 leaves room for
		// that and is still 4 orders of magnitude below an expansion.
		if limit := uint64(1000*len(in) + 1<<20); allocated > limit {
			t.Errorf("parsing %d bytes allocated %d bytes, limit %d", len(in), allocated, limit)
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Line == 0 {
			t.Errorf("want an error with a line, got %v", err)
		}
	}
	// Many aliases within the bound are fine.
	in := "name: &n system\nchecks:\n  only: [" + strings.Repeat("*n, ", 10_000) + "dns]\n"
	p, err := Parse("acme.yaml", []byte(in), known)
	if err != nil || len(p.Checks.Only) != 10_001 {
		t.Errorf("err %v", err)
	}
}

// allocatedBy is the bytes the heap handed out while f ran. The test is
// not parallel, so nothing else of note allocates meanwhile.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestAliasCycle walks a self-referential type, which Profile does not have
// today, to show that an anchor used inside itself ends with an error.
func TestAliasCycle(t *testing.T) {
	type chain struct {
		Next *chain `yaml:"next"`
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("next: &c\n  next:\n    next: *c\n"), &doc); err != nil {
		t.Fatal(err)
	}
	w := newWalker("acme.yaml", reflect.TypeFor[chain]())
	err := w.walk(doc.Content[0], reflect.TypeFor[chain](), "")
	if err == nil || !strings.Contains(err.Error(), `acme.yaml:3: next.next.next.next.next: anchor "c" contains itself`) {
		t.Errorf("got %v", err)
	}
}

// TestSyntaxErrorLines pins the correction for the library's 0-based line
// numbers in parser errors: each input has its problem on the named line.
func TestSyntaxErrorLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line int
	}{
		{"name: a\nfail_on: warn\ncompany_ca: |\n  a\n b\n", 5},
		{"name: a\nfail_on: warn\nchecks:\n  - b\n x: d\n", 5},
		{"name: a\nfail_on: warn\ntimeout: ]\n", 3},
		{"name: a\nfail_on: warn\n!x!y timeout: 1m\n", 3},
		{"name: a\n\n\n- x\n", 4},
		{"%YAML 1.1\n%YAML 1.1\n---\nname: a\n", 2},
		{"name: a\nfail_on: warn\n  timeout: 1m\n", 3},
		{"[a\n", 1},
		{"name: ]\n", 1},
	} {
		_, err := Parse("acme.yaml", []byte(tc.in), known)
		var pe *Error
		if !errors.As(err, &pe) || pe.Line != tc.line {
			t.Errorf("%q: got %v, want line %d", tc.in, err, tc.line)
		}
	}
}

// writeCert writes a self-signed CA certificate to dir/name, as PEM or DER.
func writeCert(t *testing.T, dir, name string, asPEM bool) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Acme Root CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	data := der
	if asPEM {
		// A leading comment and a key block, as exported bundles often have.
		data = append([]byte("Acme root\n"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})...)
		data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompanyCA(t *testing.T) {
	dir := t.TempDir()
	good := writeCert(t, dir, "certs/acme.pem", true)
	writeCert(t, dir, "acme.cer", false)
	mustWrite(t, filepath.Join(dir, "notes.txt"), "not a certificate\n")
	mustWrite(t, filepath.Join(dir, "broken.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})))
	profile := filepath.Join(dir, "acme.yaml")

	t.Run("relative to the profile", func(t *testing.T) {
		t.Chdir(t.TempDir()) // elsewhere: the working directory must not matter
		p, err := Parse(profile, []byte("name: a\ncompany_ca: certs/acme.pem\n"), known)
		if err != nil {
			t.Fatal(err)
		}
		if p.CompanyCA != good {
			t.Errorf("CompanyCA = %q, want %q", p.CompanyCA, good)
		}
	})
	t.Run("relative profile path", func(t *testing.T) {
		t.Chdir(dir)
		p, err := Load("acme.yaml", known)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("want not-exist before the file is written, got %v %v", p, err)
		}
		mustWrite(t, "acme.yaml", "company_ca: ./certs/../certs/acme.pem\n")
		defer os.Remove("acme.yaml")
		p, err = Load("acme.yaml", known)
		if err != nil {
			t.Fatal(err)
		}
		if !filepath.IsAbs(p.CompanyCA) || p.CompanyCA != good {
			t.Errorf("CompanyCA = %q, want %q", p.CompanyCA, good)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		p, err := Parse("elsewhere/acme.yaml", []byte("company_ca: '"+good+"'\n"), known)
		if err != nil || p.CompanyCA != good {
			t.Fatalf("got %v %v", p, err)
		}
	})

	for _, tc := range []struct {
		name, value string
		want        []string
	}{
		{"missing", "nope.pem", []string{"company_ca: " + filepath.Join(dir, "nope.pem") + " does not exist", "relative to the profile's folder, " + dir}},
		{"home", "~/acme.pem", []string{"does not exist", "wfh does not expand ~"}},
		{"no PEM", "notes.txt", []string{"company_ca: " + filepath.Join(dir, "notes.txt") + " has no PEM certificate; export the CA as PEM (Base-64) and try again"}},
		{"DER", "acme.cer", []string{"is a binary (DER) certificate, not PEM", "openssl x509 -inform der"}},
		{"broken", "broken.pem", []string{"has a certificate x509 cannot parse"}},
		{"folder", "certs", []string{"company_ca: " + filepath.Join(dir, "certs") + " is a folder, not a file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(profile, []byte("name: a\n\ncompany_ca: "+tc.value+"\n"), known)
			var pe *Error
			if !errors.As(err, &pe) || pe.Line != 3 {
				t.Fatalf("want an error on line 3, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q\n  does not contain %q", err, w)
				}
			}
		})
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExampleProfile(t *testing.T) {
	example, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The example names its CA relative to itself: give it one.
	dir := t.TempDir()
	path := filepath.Join(dir, "acme.yaml")
	mustWrite(t, path, string(example))
	ca := writeCert(t, dir, "acme-root-ca.pem", true)

	p, err := Load(path, known)
	if err != nil {
		t.Fatal(err)
	}
	want := &Profile{
		Path:      path,
		Name:      "Acme onboarding",
		CompanyCA: ca,
		Timeout:   Duration(3 * time.Minute),
		FailOn:    "warn",
		System:    System{MaxUptimeDays: 7, NTPServer: "time.acme.example", TimeURL: "https://intranet.acme.example/"},
		Network: Network{Anchors: []string{"https://intranet.acme.example/", "https://www.acme.example/"},
			PortalURL: "http://connectivity.acme.example/generate_204"},
		Camera: Camera{Required: true},
		Audio:  Audio{MicrophoneRequired: true},
		DNS: DNS{PublicResolver: "192.0.2.53", Names: []string{"www.acme.example", "login.acme.example"},
			CompanyNames: []CompanyName{{Name: "sso.acme.example"}, {Name: "intranet.acme.example", VPNOnly: true}}},
		Latency: Latency{Anchors: []string{"www.acme.example", "192.0.2.10"}, RTTWarnMS: 150, RTTFailMS: 400,
			JitterWarnMS: 30, JitterFailMS: 50, LossWarnPercent: 1, LossFailPercent: 5},
		Bandwidth: Bandwidth{Server: "http://speedtest.acme.example:8080/", MinDownloadMbps: 20, MinUploadMbps: 5,
			MaxData: 250_000_000},
		VPN: VPN{Gateway: "vpn.acme.example", GatewayType: "tls",
			Targets: []string{"https://intranet.acme.example/health", "files.acme.example:445"}},
		Report: Report{PostURL: "https://helpdesk.acme.example/wfh", PostAuthorizationEnv: "ACME_WFH_TOKEN", PostSecretEnv: "ACME_WFH_SECRET"},
		Calls: Calls{Apps: []string{"teams", "zoom"}, STUNServers: []string{"stun:stun.acme.example:3478"},
			TURNServers: []TURNServer{{URL: "turn:turn.acme.example:3478", TLSPort: 443, Username: "wfh-test", Password: "change-me"}}},
		Services: []Service{{Name: "Remote desktop", Kind: "rdp", Address: "desktop42.corp.acme.example", Via: "vpn"},
			{Name: "Outgoing mail", Kind: "smtp", Address: "smtp.acme.example:587"}},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
}

// TestDocsCoverEveryKey keeps docs/profile.md and the example in step with
// the struct: a key added to Profile fails here until it is documented.
func TestDocsCoverEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../../docs/profile.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	paths := keyPaths(reflect.TypeFor[Profile]())
	if len(paths) < 8 {
		t.Fatalf("keyPaths found only %q", paths)
	}
	for _, path := range paths {
		if !strings.Contains(string(doc), "`"+path+"`") {
			t.Errorf("docs/profile.md does not document `%s`", path)
		}
		if !strings.Contains(string(example), lastKey(path)+":") {
			t.Errorf("testdata/example.yaml does not show %s", path)
		}
	}
	if !strings.Contains(string(doc), "```yaml\n"+string(example)+"```\n") {
		t.Error("docs/profile.md must show testdata/example.yaml verbatim in a ```yaml block")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "acme.yaml")
	_, err := Load(missing, known)
	if want := "profile " + missing + ": cannot read: no such file or directory; check the path given to --profile"; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("the I/O error must stay reachable through errors.Is")
	}

	_, err = Load(dir, known)
	if err == nil || !strings.Contains(err.Error(), "is a folder, not a file") {
		t.Errorf("directory: %v", err)
	}

	big := filepath.Join(dir, "big.yaml")
	mustWrite(t, big, "#"+strings.Repeat("x", maxFileSize)+"\n")
	_, err = Load(big, known)
	if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("big file: %v", err)
	}

	limit := filepath.Join(dir, "limit.yaml")
	mustWrite(t, limit, "name: a\n#"+strings.Repeat("x", maxFileSize-10)+"\n")
	if p, err := Load(limit, known); err != nil || p.Name != "a" || p.Path != limit {
		t.Errorf("1 MiB file: %v %v", p, err)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "acme.yaml", Line: 3, Msg: "bad", Fix: "fix it"}, "acme.yaml:3: bad; fix it"},
		{Error{File: "acme.yaml", Msg: "cannot read: gone", Fix: "check"}, "profile acme.yaml: cannot read: gone; check"},
		{Error{File: "acme.yaml", Line: 1, Msg: "bad"}, "acme.yaml:1: bad"},
		{Error{File: "a\nb.yaml", Line: 1, Msg: "x\ry", Fix: "\x1b[31mred"}, `a\x0ab.yaml:1: x\x0dy; \x1b[31mred`},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestDurationYAML(t *testing.T) {
	var v struct{ T Duration }
	if err := yaml.Unmarshal([]byte("t: 1m30s"), &v); err != nil || v.T.Std() != 90*time.Second {
		t.Errorf("got %v %v", v.T.Std(), err)
	}
	err := yaml.Unmarshal([]byte("t: 90"), &v)
	if err == nil || !strings.Contains(err.Error(), `write "90s"`) {
		t.Errorf("bare number: %v", err)
	}
}

func TestGuard(t *testing.T) {
	err := guard(func() error { panic("internal error: attempted to parse unknown event (please report): none") })
	var lp *libraryPanic
	if !errors.As(err, &lp) {
		t.Fatalf("got %v", err)
	}
	e := syntaxError("acme.yaml", nil, err)
	if want := "profile acme.yaml: the YAML reader failed: internal error: attempted to parse unknown event (please report): none; check the YAML syntax"; !strings.HasPrefix(e.Error(), want) {
		t.Errorf("got  %s\nwant %s", e, want)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"checks", "checks", 0}, {"chekcs", "checks", 1}, {"onyl", "only", 1}, {"skp", "skip", 1}, {"", "abc", 3}, {"abc", "", 3}} {
		if d := editDistance(tc.a, tc.b); d != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, d, tc.d)
		}
	}
	if s := closest("x", []string{"name", "only"}); s != "" {
		t.Errorf("closest(x) = %q: too far to be a typo", s)
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range errorCases {
		f.Add([]byte(tc.in))
	}
	if example, err := os.ReadFile("testdata/example.yaml"); err == nil {
		f.Add(example)
	}
	for _, s := range []string{
		"", "# c\n", "---\n", "~\n", "name: &n system\nchecks:\n  only: [*n, dns]\n",
		billionLaughs("name"), "a: &a [*a]\n", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
		"timeout: 5m\nfail_on: warn\nsystem: {max_uptime_days: 365}\n", "\xef\xbb\xbfname: bom\n", "\xff\xfe\x00n",
		"company_ca: testdata/example.yaml\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Duration's own parsing runs inside the library's decoder, under
		// guard; call it directly so that a panic in it is not hidden.
		var d Duration
		if err := d.UnmarshalYAML(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: string(data)}); err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("duration error is not one line: %q", err)
		}

		p, err := Parse("fuzz.yaml", data, known)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			if p != nil {
				t.Fatal("a profile returned with an error")
			}
			return
		}
		// Whatever is accepted is within the documented ranges.
		if p == nil || p.Path != "fuzz.yaml" {
			t.Fatalf("profile %+v", p)
		}
		if d := p.Timeout.Std(); d != 0 && (d < MinTimeout || d > MaxTimeout) {
			t.Fatalf("timeout %s accepted", d)
		}
		if p.FailOn != "" && p.FailOn != "warn" && p.FailOn != "fail" {
			t.Fatalf("fail_on %q accepted", p.FailOn)
		}
		if d := p.System.MaxUptimeDays; d < 0 || d > maxUptimeDays {
			t.Fatalf("max_uptime_days %d accepted", d)
		}
	})
}

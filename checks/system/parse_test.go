package system

import (
	"maps"
	"math"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"empty", "", map[string]string{}},
		{"unquoted", "ID=debian\n", map[string]string{"ID": "debian"}},
		{"double quoted", `NAME="Debian GNU/Linux"`, map[string]string{"NAME": "Debian GNU/Linux"}},
		{"single quoted", `NAME='Debian GNU/Linux'`, map[string]string{"NAME": "Debian GNU/Linux"}},
		{"empty quoted", `VERSION_CODENAME=""`, map[string]string{"VERSION_CODENAME": ""}},
		{"empty unquoted", `VERSION_CODENAME=`, map[string]string{"VERSION_CODENAME": ""}},
		{"double quote escapes", `PRETTY_NAME="A \"B\" \$C \` + "`" + `D\` + "`" + ` E\\F"`,
			map[string]string{"PRETTY_NAME": "A \"B\" $C `D` E\\F"}},
		{"other backslash kept in double quotes", `X="a\nb"`, map[string]string{"X": `a\nb`}},
		{"single quotes are literal", `X='a\"b $c'`, map[string]string{"X": `a\"b $c`}},
		{"unquoted escape", `X=a\ b\$c`, map[string]string{"X": "a b$c"}},
		{"comments and blank lines", "# comment\n\n   \n  # indented comment\nID=x\n", map[string]string{"ID": "x"}},
		{"trailing comment", `NAME="Foo" # the name`, map[string]string{"NAME": "Foo"}},
		{"hash inside value", `URL=https://x.example/#top`, map[string]string{"URL": "https://x.example/#top"}},
		{"sloppy unquoted spaces", `NAME=Fedora Linux`, map[string]string{"NAME": "Fedora Linux"}},
		{"crlf", "ID=fedora\r\nVERSION_ID=40\r\n", map[string]string{"ID": "fedora", "VERSION_ID": "40"}},
		{"indented", "   ID=x", map[string]string{"ID": "x"}},
		{"later wins", "ID=a\nID=b\n", map[string]string{"ID": "b"}},
		{"garbage lines ignored", "hello world\n=x\n1ID=x\nI-D=x\nKEY =x\nID=ok\n\x00\xff\n",
			map[string]string{"ID": "ok"}},
		{"unterminated double quote ignored", "NAME=\"Foo\nID=x\n", map[string]string{"ID": "x"}},
		{"unterminated single quote ignored", "NAME='Foo\nID=x\n", map[string]string{"ID": "x"}},
		{"trailing backslash dropped", `ID=x\`, map[string]string{"ID": "x"}},
		{"concatenation tolerated", `X="a"'b'c`, map[string]string{"X": "abc"}},
		{"control characters removed", "NAME=\"Evil\x1b[31m OS\"", map[string]string{"NAME": "Evil[31m OS"}},
		{"invalid utf-8 replaced", "NAME=\"Bad\xffOS\"", map[string]string{"NAME": "Bad\uFFFDOS"}},
		{"utf-8 kept", `NAME="Fedora 19 (Schrödinger’s Cat)"`, map[string]string{"NAME": "Fedora 19 (Schrödinger’s Cat)"}},
		{"lowercase key", "id=x", map[string]string{"id": "x"}},
		{"value with equals", `X="a=b"`, map[string]string{"X": "a=b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseOSRelease(tt.in)
			if !maps.Equal(got, tt.want) {
				t.Errorf("parseOSRelease(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseOSReleaseLongValueBounded(t *testing.T) {
	got := parseOSRelease("NAME=\"" + strings.Repeat("é", 1000) + "\"")["NAME"]
	if len(got) > maxFactLen+len("…") || !utf8.ValidString(got) {
		t.Fatalf("long value not bounded to valid UTF-8: %d bytes", len(got))
	}
}

func TestParseUptime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"350735.47 234388.90\n", 350735*time.Second + 470*time.Millisecond, false},
		{"0.00 0.00", 0, false},
		{"12", 12 * time.Second, false},
		{"  42.5   1.0  ", 42*time.Second + 500*time.Millisecond, false},
		{"1576800000.00 0", 1576800000 * time.Second, false}, // exactly the 50-year limit
		{"", 0, true},
		{"   \n", 0, true},
		{"-1.00 0.00", 0, true},
		{"NaN 0", 0, true},
		{"Inf 0", 0, true},
		{"+Inf", 0, true},
		{"1e9", 0, true},
		{"0x10", 0, true},
		{"1_000", 0, true},
		{"12.", 0, true},
		{".5", 0, true},
		{"abc", 0, true},
		{"99999999999999999999999 0", 0, true}, // over the 50-year limit
		{strings.Repeat("9", 400), 0, true},    // overflows float64 to +Inf
	}
	for _, tt := range tests {
		got, err := parseUptime(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseUptime(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("parseUptime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestZoneFromLink(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"/usr/share/zoneinfo/Europe/Paris", "Europe/Paris", true},
		{"../usr/share/zoneinfo/Europe/Paris", "Europe/Paris", true},
		{"/usr/share/zoneinfo/America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires", true},
		{"/usr/share/zoneinfo/Etc/UTC", "Etc/UTC", true},
		{"/usr/share/zoneinfo/UTC", "UTC", true},
		{"/usr/share/zoneinfo/Etc/GMT+5", "Etc/GMT+5", true},
		{"/usr/share/zoneinfo/posix/Europe/Berlin", "Europe/Berlin", true},
		{"/usr/share/zoneinfo/right/Asia/Tokyo", "Asia/Tokyo", true},
		{"/var/db/timezone/zoneinfo/Europe/Paris", "Europe/Paris", true}, // macOS
		{"/usr/share/zoneinfo//Europe/Paris", "Europe/Paris", true},
		{"zoneinfo/Europe/Paris", "Europe/Paris", true},
		{"/usr/share/zoneinfo/", "", false},
		{"/usr/share/zoneinfo", "", false},
		{"/usr/share/zoneinfo/../../etc/passwd", "", false},
		{"/usr/share/zoneinfo/Europe/../../x", "", false},
		{"/usr/share/zoneinfo/Local", "", false},
		{"/usr/share/myzoneinfo/Europe/Paris", "", false},
		{"/etc/alternatives/localtime", "", false},
		{"", "", false},
		{"/usr/share/zoneinfo/Europe/Par is", "", false},
		{"/usr/share/zoneinfo/Europe/Paris\n", "", false},
	}
	for _, tt := range tests {
		got, ok := zoneFromLink(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("zoneFromLink(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestZoneFromTZ(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"Europe/Paris", "Europe/Paris", true},
		{":Europe/Paris", "Europe/Paris", true},
		{":/usr/share/zoneinfo/Europe/Paris", "Europe/Paris", true},
		{"/usr/share/zoneinfo/Europe/Paris", "Europe/Paris", true},
		{" Europe/Paris ", "Europe/Paris", true},
		{"UTC", "UTC", true},
		{"UTC0", "UTC0", true}, // name-shaped; the probe checks it is a real zone
		{":/etc/localtime", "", false},
		{"CET-1CEST,M3.5.0,M10.5.0/3", "", false},
		{"<+0330>-3:30", "", false},
		{":", "", false},
		{"", "", false},
		{"../etc/passwd", "", false},
		{"Local", "", false},
	}
	for _, tt := range tests {
		got, ok := zoneFromTZ(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("zoneFromTZ(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestZoneFromFile(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"Europe/Paris\n", "Europe/Paris", true},
		{"Etc/UTC", "Etc/UTC", true},
		{"\n# set by tzdata\n  America/New_York  \n", "America/New_York", true},
		{"", "", false},
		{"\n\n", "", false},
		{"not a zone\n", "", false},
		{"/usr/share/zoneinfo/Europe/Paris\n", "", false},
	}
	for _, tt := range tests {
		got, ok := zoneFromFile(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("zoneFromFile(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFormatOffset(t *testing.T) {
	tests := map[int]string{
		0:                "+00:00",
		3600:             "+01:00",
		-3 * 3600:        "-03:00",
		5*3600 + 45*60:   "+05:45",
		-(3*3600 + 1800): "-03:30",
		14 * 3600:        "+14:00",
	}
	for in, want := range tests {
		if got := formatOffset(in); got != want {
			t.Errorf("formatOffset(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := map[string]string{
		"  Debian  ":       "Debian",
		"a\tb\x00c\x7fd":   "abcd",
		"\xff":             "\uFFFD",
		"ok\u0085":         "ok", // NEL is a C1 control character
		"Schrödinger’s":    "Schrödinger’s",
		"":                 "",
		"\x1b]0;title\x07": "]0;title",
	}
	for in, want := range tests {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseOSRelease(f *testing.F) {
	for _, s := range []string{
		"", "ID=debian\n", `NAME="Debian GNU/Linux"`, `X='a\"b'`, `X="a\"b\\c\$d"`,
		"NAME=\"unterminated\nID=x", `X=a\ b`, `X=a\`, "# c\n\nA=1 # c\nB='x'\"y\"z",
		"NAME=\"\x1b[31m\xff\"", "=\n==\n\"=\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for k, v := range parseOSRelease(in) {
			if !validKey(k) {
				t.Errorf("invalid key %q", k)
			}
			if !utf8.ValidString(v) {
				t.Errorf("value %q for %s is not valid UTF-8", v, k)
			}
			if strings.ContainsFunc(v, unicode.IsControl) {
				t.Errorf("value %q for %s holds control characters", v, k)
			}
			if len(v) > maxFactLen+len("…") {
				t.Errorf("value for %s is %d bytes", k, len(v))
			}
		}
	})
}

func FuzzParseUptime(f *testing.F) {
	for _, s := range []string{
		"350735.47 234388.90\n", "0.00 0.00", "", "-1", "NaN", "Inf", "1e308", "0x1p4",
		"1_0", "99999999999999999999", "12.", ".5", "1.5.5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := parseUptime(in)
		if err != nil {
			if d != 0 {
				t.Errorf("parseUptime(%q) = %v with error %v", in, d, err)
			}
			return
		}
		secs := d.Seconds()
		if math.IsNaN(secs) || math.IsInf(secs, 0) || d < 0 || d > maxUptime {
			t.Errorf("parseUptime(%q) = %v, out of range", in, d)
		}
	})
}

func FuzzZoneFromLink(f *testing.F) {
	for _, s := range []string{
		"/usr/share/zoneinfo/Europe/Paris", "../usr/share/zoneinfo/Etc/UTC",
		"/usr/share/zoneinfo/posix/Europe/Berlin", "/var/db/timezone/zoneinfo/Asia/Tokyo",
		"/usr/share/zoneinfo/../../etc/passwd", "zoneinfo/", "zoneinfo//", "", ":/x/zoneinfo/a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, parse := range []func(string) (string, bool){zoneFromLink, zoneFromTZ, zoneFromFile} {
			name, ok := parse(in)
			if ok != (name != "") {
				t.Errorf("(%q) = %q, %v: ok must mean a name", in, name, ok)
			}
			if ok && !validZoneName(name) {
				t.Errorf("(%q) = %q, not a valid zone name", in, name)
			}
			if strings.HasPrefix(name, "/") || strings.Contains("/"+name+"/", "/../") {
				t.Errorf("(%q) = %q escapes the zone database", in, name)
			}
		}
	})
}

func TestBoundedText(t *testing.T) {
	// An odd byte offset puts the cut inside a two-byte rune.
	long := "a" + strings.Repeat("é", 300)
	if got := clean(long); !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || len(got) > maxFactLen+len("…") {
		t.Errorf("clean(long) = %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if got := shorten(long); !utf8.ValidString(got) || len(got) > 32+len("…") {
		t.Errorf("shorten(long) = %q", got)
	}
	_, err := parseUptime(strings.Repeat("x", 100))
	if err == nil || len(err.Error()) > 80 {
		t.Errorf("parseUptime(garbage) error = %v, want a short message", err)
	}
}

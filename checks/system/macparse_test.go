package system

import (
	"maps"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestParseSwVers(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"macOS 14, two tabs (real)", string(fixture(t, "macos/sw_vers-14.4")),
			map[string]string{"ProductName": "macOS", "ProductVersion": "14.4", "BuildVersion": "23E214"}},
		{"Mac OS X, one tab (real)", string(fixture(t, "macos/sw_vers-10.11.6")),
			map[string]string{"ProductName": "Mac OS X", "ProductVersion": "10.11.6", "BuildVersion": "15G31"}},
		{"rapid security response", string(fixture(t, "macos/sw_vers-13.4.1-rsr")),
			map[string]string{"ProductName": "macOS", "ProductVersion": "13.4.1", "ProductVersionExtra": "(c)", "BuildVersion": "22F770820d"}},
		{"crlf", "ProductName:\tmacOS\r\nProductVersion:\t14.4.1\r\nBuildVersion:\t23E224\r\n",
			map[string]string{"ProductName": "macOS", "ProductVersion": "14.4.1", "BuildVersion": "23E224"}},
		{"utf-8 bom", "\uFEFFProductName:\tmacOS\nProductVersion:\t14.4.1\n",
			map[string]string{"ProductName": "macOS", "ProductVersion": "14.4.1"}},
		{"spaces instead of tabs", "ProductName:    macOS\nProductVersion: 14.4.1\n",
			map[string]string{"ProductName": "macOS", "ProductVersion": "14.4.1"}},
		{"no final newline", "ProductVersion:\t\t15.0", map[string]string{"ProductVersion": "15.0"}},
		{"missing keys", "BuildVersion:\t23E224\n", map[string]string{"BuildVersion": "23E224"}},
		{"empty", "", map[string]string{}},
		{"garbage", "sw_vers: command not found\n\x00\xff\n:::\n", map[string]string{}},
		{"first value wins", "ProductVersion: 14.4\nProductVersion: 99\n", map[string]string{"ProductVersion": "14.4"}},
		{"value with colon", "ProductName: mac:OS\n", map[string]string{"ProductName": "mac:OS"}},
		{"control characters removed", "ProductName: mac\x1b[31mOS\n", map[string]string{"ProductName": "mac[31mOS"}},
		{"stderr warning line skipped", "2024-01-01 sw_vers[1]: warning\nProductVersion: 14.4\n",
			map[string]string{"ProductVersion": "14.4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseSwVers(tt.in); !maps.Equal(got, tt.want) {
				t.Errorf("parseSwVers(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMacReleaseFrom(t *testing.T) {
	tests := []struct {
		name    string
		fields  map[string]string
		want    osInfo
		wantErr string
	}{
		{"sw_vers", map[string]string{"ProductName": "macOS", "ProductVersion": "14.4.1", "BuildVersion": "23E224"},
			osInfo{Name: "macOS", Version: "14.4.1", PrettyName: "macOS 14.4.1 (23E224)"}, ""},
		{"plist keys", map[string]string{"ProductName": "macOS", "ProductVersion": "12.3", "ProductBuildVersion": "21E5227a"},
			osInfo{Name: "macOS", Version: "12.3", PrettyName: "macOS 12.3 (21E5227a)"}, ""},
		{"rsr", map[string]string{"ProductName": "macOS", "ProductVersion": "13.4.1", "ProductVersionExtra": "(c)", "BuildVersion": "22F770820d"},
			osInfo{Name: "macOS", Version: "13.4.1", PrettyName: "macOS 13.4.1 (c) (22F770820d)"}, ""},
		{"old name", map[string]string{"ProductName": "Mac OS X", "ProductVersion": "10.15.7", "BuildVersion": "19H2"},
			osInfo{Name: "Mac OS X", Version: "10.15.7", PrettyName: "Mac OS X 10.15.7 (19H2)"}, ""},
		{"no name", map[string]string{"ProductVersion": "14.4"},
			osInfo{Name: "macOS", Version: "14.4", PrettyName: "macOS 14.4"}, ""},
		{"garbled build dropped", map[string]string{"ProductVersion": "14.4", "BuildVersion": "23E 224"},
			osInfo{Name: "macOS", Version: "14.4", PrettyName: "macOS 14.4"}, ""},
		{"garbled extra dropped", map[string]string{"ProductVersion": "14.4", "ProductVersionExtra": "(rm -rf)"},
			osInfo{Name: "macOS", Version: "14.4", PrettyName: "macOS 14.4"}, ""},
		{"no version", map[string]string{"ProductName": "macOS", "BuildVersion": "23E224"}, osInfo{}, "no ProductVersion"},
		{"version not a number", map[string]string{"ProductVersion": "fourteen"}, osInfo{}, `"fourteen" is not a version number`},
		{"version with a gap", map[string]string{"ProductVersion": "14..4"}, osInfo{}, "not a version number"},
		{"nothing", map[string]string{}, osInfo{}, "no ProductVersion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rel, err := macReleaseFrom(tt.fields)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rel.info(); got != tt.want {
				t.Errorf("info = %+v, want %+v", got, tt.want)
			}
		})
	}
}

const plistHead = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
`

func TestParseSystemVersionPlist(t *testing.T) {
	real := string(fixture(t, "macos/SystemVersion-12.3-beta.plist"))
	realWant := map[string]string{
		"ProductBuildVersion": "21E5227a", "ProductCopyright": "1983-2022 Apple Inc.", "ProductName": "macOS",
		"ProductUserVisibleVersion": "12.3", "ProductVersion": "12.3", "iOSSupportVersion": "15.4",
	}
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{"real 12.3 beta", real, realWant, ""},
		{"crlf", strings.ReplaceAll(real, "\n", "\r\n"), realWant, ""},
		{"utf-8 bom", "\uFEFF" + real, realWant, ""},
		{"bare dict root", `<dict><key>ProductVersion</key><string>14.4</string></dict>`,
			map[string]string{"ProductVersion": "14.4"}, ""},
		{"non-string values and nested dicts skipped", plistHead + `<plist version="1.0"><dict>
	<key>Nested</key><dict><key>ProductVersion</key><string>99</string></dict>
	<key>Flag</key><true/>
	<key>Count</key><integer>3</integer>
	<key>ProductVersion</key><string>14.4</string>
	<key>List</key><array><string>x</string></array>
</dict></plist>`, map[string]string{"ProductVersion": "14.4"}, ""},
		{"value without key skipped", `<plist><dict><string>orphan</string><key>ProductName</key><string>macOS</string></dict></plist>`,
			map[string]string{"ProductName": "macOS"}, ""},
		{"key after non-string value", `<plist><dict><key>A</key><true/><string>orphan</string><key>B</key><string>b</string></dict></plist>`,
			map[string]string{"B": "b"}, ""},
		{"entities decoded", `<plist><dict><key>ProductCopyright</key><string>1983-2024 Apple &amp; Co.</string></dict></plist>`,
			map[string]string{"ProductCopyright": "1983-2024 Apple & Co."}, ""},
		{"truncated keeps what was read", plistHead + `<plist version="1.0"><dict><key>ProductVersion</key><string>14.4</string><key>ProductName</key><str`,
			map[string]string{"ProductVersion": "14.4"}, ""},
		{"missing keys", plistHead + `<plist version="1.0"><dict></dict></plist>`, nil, "no string values"},
		{"empty", "", nil, "no string values"},
		{"garbage", "\x00\xff<<<>>>", nil, "not a property list"},
		{"not xml", "ProductVersion: 14.4", nil, "no string values"},
		{"binary plist", "bplist00\xd1\x01\x02", nil, "binary property list"},
		{"other charset refused", `<?xml version="1.0" encoding="ISO-8859-1"?><plist><dict><key>A</key><string>b</string></dict></plist>`,
			nil, "not a property list"},
		{"control characters cleaned", `<plist><dict><key>ProductName</key><string>mac&#x1b;[31mOS</string></dict></plist>`,
			nil, "not a property list"}, // XML 1.0 forbids ESC even as a reference
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSystemVersionPlist(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseSystemVersionPlist = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !maps.Equal(got, tt.want) {
				t.Errorf("parseSystemVersionPlist = %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}

func TestParseBoottime(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Time
		wantErr string
	}{
		{"sysctl -a line (real, macOS 10.14.6)", string(fixture(t, "macos/sysctl-kern.boottime-10.14.6")),
			time.Unix(1592836479, 918881000), ""},
		{"sysctl -n", string(fixture(t, "macos/sysctl-n-kern.boottime")), time.Unix(1700000000, 123456000), ""},
		{"crlf", "{ sec = 1700000000, usec = 0 } Tue Nov 14 22:13:20 2023\r\n", time.Unix(1700000000, 0), ""},
		{"utf-8 bom", "\uFEFF{ sec = 1700000000, usec = 5 }", time.Unix(1700000000, 5000), ""},
		{"no usec", "{ sec = 1700000000 }", time.Unix(1700000000, 0), ""},
		{"usec first", "{ usec = 1, sec = 1700000000 }", time.Unix(1700000000, 1000), ""},
		{"tight spacing", "{sec=1700000000,usec=7}", time.Unix(1700000000, 7000), ""},
		{"unknown fields ignored", "{ sec = 1700000000, usec = 0, nsec = 9 }", time.Unix(1700000000, 0), ""},
		{"empty", "", time.Time{}, "is not a boot time"},
		{"garbage", "sysctl: unknown oid 'kern.boottime'", time.Time{}, "is not a boot time"},
		{"no closing brace", "{ sec = 1700000000, usec = 0", time.Time{}, "is not a boot time"},
		{"no sec", "{ usec = 12 }", time.Time{}, "has no sec field"},
		{"sec zero", "{ sec = 0, usec = 0 }", time.Time{}, "not set"},
		{"negative sec", "{ sec = -5, usec = 0 }", time.Time{}, "not a number of seconds"},
		{"hex sec", "{ sec = 0x10, usec = 0 }", time.Time{}, "not a number of seconds"},
		{"huge sec", "{ sec = 99999999999999999999, usec = 0 }", time.Time{}, "not a number of seconds"},
		{"usec too long", "{ sec = 1700000000, usec = 1234567 }", time.Time{}, "not a number of microseconds"},
		{"usec negative", "{ sec = 1700000000, usec = -1 }", time.Time{}, "not a number of microseconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseBoottime(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseBoottime(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("parseBoottime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestUptimeSince(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct {
		name    string
		boot    time.Time
		want    time.Duration
		wantErr string
	}{
		{"three days", now.Add(-3 * day), 3 * day, ""},
		{"just booted", now, 0, ""},
		{"boot in the future", now.Add(time.Minute), 0, "after the current time"},
		{"absurdly old", time.Unix(1, 0).Add(-60 * 365 * day), 0, "more than 50 years"},
	}
	for _, tt := range tests {
		got, err := uptimeSince(now, tt.boot)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != 0 {
				t.Errorf("%s: uptimeSince = %v, %v; want error %q", tt.name, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: uptimeSince = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestParseKernelRelease(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"23.4.0\n", "23.4.0", false},
		{"\uFEFF23.4.0\r\n", "23.4.0", false},
		{"\n19.6.0\n", "19.6.0", false},
		{"", "", true},
		{"\n\n", "", true},
		{"uname: illegal option -- r\n", "", true},
		{strings.Repeat("9", 100), "", true},
	}
	for _, tt := range tests {
		got, err := parseKernelRelease(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseKernelRelease(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// displayable is what every parsed value must be before it reaches a report.
func displayable(t *testing.T, what, v string) {
	t.Helper()
	if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) || len(v) > maxFactLen+len("…") {
		t.Errorf("%s %q is not displayable", what, v)
	}
}

func FuzzParseSwVers(f *testing.F) {
	for _, s := range []string{
		"ProductName:\t\tmacOS\nProductVersion:\t\t14.4\nBuildVersion:\t\t23E214\n",
		"ProductName:\tMac OS X\r\nProductVersion:\t10.11.6\r\n", "\uFEFFProductVersion: 14", "ProductVersionExtra:\t(a)\n",
		"", ":", "ProductVersion:", "ProductVersion: 14..4", "\x00\xff:\xfe", "ProductVersion: 1.2.3.4.5.6.7.8.9.0.1.2.3.4.5.6.7",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fields := parseSwVers(in)
		for k, v := range fields {
			if !allLetters(k) {
				t.Errorf("invalid key %q", k)
			}
			displayable(t, "value", v)
		}
		rel, err := macReleaseFrom(fields)
		if err != nil {
			return
		}
		info := rel.info()
		if !dottedVersion(info.Version) || info.Name == "" || !strings.HasPrefix(info.PrettyName, info.Name+" "+info.Version) {
			t.Errorf("info = %+v", info)
		}
		displayable(t, "pretty name", info.PrettyName)
	})
}

func FuzzParseSystemVersionPlist(f *testing.F) {
	for _, s := range []string{
		plistHead + `<plist version="1.0"><dict><key>ProductVersion</key><string>14.4</string></dict></plist>`,
		`<dict><key>A</key><dict><key>B</key><string>c</string></dict></dict>`,
		`<plist><dict><key>A</key><true/><string>x</string></dict></plist>`,
		"bplist00", "", "<", "<plist><dict><key>", "<!DOCTYPE x [<!ENTITY a \"b\">]><dict><key>a</key><string>&a;</string></dict>",
		"\uFEFF<dict></dict>", `<?xml version="1.0" encoding="UTF-16"?><dict/>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fields, err := parseSystemVersionPlist(in)
		if err != nil {
			if fields != nil {
				t.Errorf("fields %q with error %v", fields, err)
			}
			return
		}
		if len(fields) == 0 {
			t.Error("no fields and no error")
		}
		for k, v := range fields {
			if !validKey(k) {
				t.Errorf("invalid key %q", k)
			}
			displayable(t, "value", v)
		}
	})
}

func FuzzParseBoottime(f *testing.F) {
	for _, s := range []string{
		"{ sec = 1700000000, usec = 123456 } Tue Nov 14 22:13:20 2023\n",
		"kern.boottime: { sec = 1592836479, usec = 918881 } Mon Jun 22 07:34:39 2020",
		"{ sec = 0 }", "{ sec = -1 }", "{ sec = 99999999999 , usec = 999999 }", "{}", "{", "}", "{ sec = 1e9 }",
		"{ sec = 1700000000, usec = 1700000000 }", "",
	} {
		f.Add(s)
	}
	now := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, in string) {
		boot, err := parseBoottime(in)
		if err != nil {
			if !boot.IsZero() {
				t.Errorf("boot time %v with error %v", boot, err)
			}
			return
		}
		if boot.Unix() <= 0 || boot.Nanosecond() >= 1e9 {
			t.Errorf("parseBoottime(%q) = %v", in, boot)
		}
		up, err := uptimeSince(now, boot)
		if err != nil {
			if up != 0 {
				t.Errorf("uptime %v with error %v", up, err)
			}
			return
		}
		if up < 0 || up > maxUptime {
			t.Errorf("uptime %v out of range for %q", up, in)
		}
	})
}

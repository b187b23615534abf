package system

import (
	"maps"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/wfh-cli/wfh/checks/probeutil"
)

func TestParseRegQueryRealOutputs(t *testing.T) {
	win10 := parseRegQuery(string(fixture(t, "windows/reg-query-currentversion-win10-22h2")))
	if len(win10) != 22 {
		t.Errorf("win10: %d values, want the 22 reg.exe says it found: %v", len(win10), win10)
	}
	want := map[string]regValue{
		"ProductName":            {"REG_SZ", "Windows 10 Enterprise"},
		"CurrentBuild":           {"REG_SZ", "19045"},
		"DisplayVersion":         {"REG_SZ", "22H2"},
		"CurrentType":            {"REG_SZ", "Multiprocessor Free"},
		"SystemRoot":             {"REG_SZ", `C:\Windows`},
		"EditionSubManufacturer": {"REG_SZ", ""},
	}
	for k, v := range want {
		if win10[k] != v {
			t.Errorf("win10[%s] = %+v, want %+v", k, win10[k], v)
		}
	}

	win11 := parseRegQuery(string(fixture(t, "windows/reg-query-currentversion-win11-23h2")))
	if len(win11) != 21 || win11["ProductName"].Data != "Windows 10 Pro" || win11["CurrentBuild"].Data != "22631" {
		t.Errorf("win11: %d values: %v", len(win11), win11)
	}

	full := parseRegQuery(string(fixture(t, "windows/reg-query-currentversion-win11-23h2-full")))
	for k, v := range map[string]regValue{
		"UBR":                       {"REG_DWORD", "0xd77"},
		"CurrentMajorVersionNumber": {"REG_DWORD", "0xa"},
		"InstallTime":               {"REG_QWORD", "0x1da4b5c6d7e8f90"},
		"DigitalProductId":          {"REG_BINARY", "A4000000030000003030303030"},
		"EditionSubstring":          {"REG_SZ", ""}, // trailing separator, no data
		"ProductName":               {"REG_SZ", "Windows 10 Pro"},
	} {
		if full[k] != v {
			t.Errorf("full[%s] = %+v, want %+v", k, full[k], v)
		}
	}
	if _, ok := full["Accessibility"]; ok {
		t.Error("a subkey line was read as a value")
	}
}

func TestParseRegQuery(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]regValue
	}{
		{"crlf and leading blank line", "\r\nHKEY_LOCAL_MACHINE\\X\r\n    ProductName    REG_SZ    Windows 10 Pro\r\n\r\n",
			map[string]regValue{"ProductName": {"REG_SZ", "Windows 10 Pro"}}},
		{"utf-8 bom", "\uFEFFHKEY_LOCAL_MACHINE\\X\n    UBR    REG_DWORD    0x1\n",
			map[string]regValue{"UBR": {"REG_DWORD", "0x1"}}},
		{"values without a key line", "    CurrentBuild    REG_SZ    22631\n",
			map[string]regValue{"CurrentBuild": {"REG_SZ", "22631"}}},
		{"tab indented", "\tCurrentBuild    REG_SZ    22631\n",
			map[string]regValue{"CurrentBuild": {"REG_SZ", "22631"}}},
		{"name with spaces", "    (Default)    REG_SZ    (value not set)\n    My Value    REG_SZ    a  b\n",
			map[string]regValue{"(Default)": {"REG_SZ", "(value not set)"}, "My Value": {"REG_SZ", "a  b"}}},
		{"data with four spaces", "    X    REG_SZ    a    b\n", map[string]regValue{"X": {"REG_SZ", "a    b"}}},
		{"subkey values skipped", "HKEY_LOCAL_MACHINE\\X\n    A    REG_SZ    1\n\nHKEY_LOCAL_MACHINE\\X\\Sub\n    A    REG_SZ    2\n    B    REG_SZ    3\n",
			map[string]regValue{"A": {"REG_SZ", "1"}}},
		{"first value wins", "    A    REG_SZ    1\n    A    REG_SZ    2\n", map[string]regValue{"A": {"REG_SZ", "1"}}},
		{"missing keys", "HKEY_LOCAL_MACHINE\\X\n\nEnd of search: 0 match(es) found.\n", map[string]regValue{}},
		{"empty", "", map[string]regValue{}},
		{"error message", "ERROR: The system was unable to find the specified registry key or value.\r\n", map[string]regValue{}},
		{"garbage", "\x00\xff\n    \n    REG_SZ    x\n    A REG_SZ x\n    A    REG_sz    x\n    A    REG_    x\n    A    NOTREG    x\n",
			map[string]regValue{}},
		{"control characters cleaned", "    ProductName    REG_SZ    Windows\x1b[2J 11\n",
			map[string]regValue{"ProductName": {"REG_SZ", "Windows[2J 11"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRegQuery(tt.in); !maps.Equal(got, tt.want) {
				t.Errorf("parseRegQuery(%q) = %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	utf16le := func(s string) []byte {
		b := []byte{0xFF, 0xFE}
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u), byte(u>>8))
		}
		return b
	}
	utf16be := func(s string) []byte {
		b := []byte{0xFE, 0xFF}
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u>>8), byte(u))
		}
		return b
	}
	tests := []struct {
		in   []byte
		want string
	}{
		{[]byte("plain"), "plain"},
		{[]byte("\xEF\xBB\xBFbom"), "bom"},
		{utf16le("W. Europe Standard Time\r\n"), "W. Europe Standard Time\r\n"},
		{utf16be("Tokyo Standard Time"), "Tokyo Standard Time"},
		{[]byte{0xFF, 0xFE, 'A'}, ""}, // odd trailing byte dropped
		{nil, ""},
	}
	for _, tt := range tests {
		if got := probeutil.DecodeText(tt.in); got != tt.want {
			t.Errorf("probeutil.DecodeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The decoded UTF-16 output goes through the same parser.
	vals := parseRegQuery(probeutil.DecodeText(utf16le("\r\nHKEY_LOCAL_MACHINE\\X\r\n    CurrentBuild    REG_SZ    22631\r\n")))
	if vals["CurrentBuild"].Data != "22631" {
		t.Errorf("UTF-16 reg output: %v", vals)
	}
}

func TestWindowsRelease(t *testing.T) {
	sz := func(kv ...string) map[string]regValue {
		m := map[string]regValue{}
		for i := 0; i+1 < len(kv); i += 2 {
			typ := "REG_SZ"
			if strings.HasPrefix(kv[i+1], "0x") {
				typ = "REG_DWORD"
			}
			m[kv[i]] = regValue{typ, kv[i+1]}
		}
		return m
	}
	tests := []struct {
		name    string
		vals    map[string]regValue
		want    osInfo
		wantErr bool
	}{
		{"Windows 10 22H2 (real)", parseRegQuery(string(fixture(t, "windows/reg-query-currentversion-win10-22h2"))),
			osInfo{Name: "Windows 10 Enterprise", Version: "22H2", PrettyName: "Windows 10 Enterprise 22H2 (build 19045)", Kernel: "10.0.19045"}, false},
		// ProductName says Windows 10 on Windows 11: the build decides.
		{"Windows 11 23H2 (real)", parseRegQuery(string(fixture(t, "windows/reg-query-currentversion-win11-23h2"))),
			osInfo{Name: "Windows 11 Pro", Version: "23H2", PrettyName: "Windows 11 Pro 23H2 (build 22631)", Kernel: "10.0.22631"}, false},
		{"Windows 11 23H2 with UBR", parseRegQuery(string(fixture(t, "windows/reg-query-currentversion-win11-23h2-full"))),
			osInfo{Name: "Windows 11 Pro", Version: "23H2", PrettyName: "Windows 11 Pro 23H2 (build 22631.3447)", Kernel: "10.0.22631.3447"}, false},
		{"first Windows 11 build", sz("ProductName", "Windows 10 Home", "CurrentBuild", "22000", "DisplayVersion", "21H2", "UBR", "0x2b6"),
			osInfo{Name: "Windows 11 Home", Version: "21H2", PrettyName: "Windows 11 Home 21H2 (build 22000.694)", Kernel: "10.0.22000.694"}, false},
		{"last Windows 10 build number", sz("ProductName", "Windows 10 Pro", "CurrentBuild", "21999"),
			osInfo{Name: "Windows 10 Pro", PrettyName: "Windows 10 Pro (build 21999)", Kernel: "10.0.21999"}, false},
		{"Windows 11 already named", sz("ProductName", "Windows 11 Pro", "CurrentBuild", "26100", "DisplayVersion", "24H2"),
			osInfo{Name: "Windows 11 Pro", Version: "24H2", PrettyName: "Windows 11 Pro 24H2 (build 26100)", Kernel: "10.0.26100"}, false},
		{"bare Windows 10 name", sz("ProductName", "Windows 10", "CurrentBuild", "22631"),
			osInfo{Name: "Windows 11", PrettyName: "Windows 11 (build 22631)", Kernel: "10.0.22631"}, false},
		{"not a Windows 10 prefix", sz("ProductName", "Windows 100 Pro", "CurrentBuild", "22631"),
			osInfo{Name: "Windows 100 Pro", PrettyName: "Windows 100 Pro (build 22631)", Kernel: "10.0.22631"}, false},
		// Server builds are past 22000 too, and their names are right.
		{"Server 2025", sz("ProductName", "Windows Server 2025 Datacenter", "CurrentBuild", "26100", "DisplayVersion", "24H2", "UBR", "0x1"),
			osInfo{Name: "Windows Server 2025 Datacenter", Version: "24H2", PrettyName: "Windows Server 2025 Datacenter 24H2 (build 26100.1)", Kernel: "10.0.26100.1"}, false},
		{"Server 2022", sz("ProductName", "Windows Server 2022 Standard", "CurrentBuild", "20348", "DisplayVersion", "21H2"),
			osInfo{Name: "Windows Server 2022 Standard", Version: "21H2", PrettyName: "Windows Server 2022 Standard 21H2 (build 20348)", Kernel: "10.0.20348"}, false},
		{"ReleaseId before DisplayVersion existed", sz("ProductName", "Windows 10 Pro", "CurrentBuild", "17763", "ReleaseId", "1809"),
			osInfo{Name: "Windows 10 Pro", Version: "1809", PrettyName: "Windows 10 Pro 1809 (build 17763)", Kernel: "10.0.17763"}, false},
		{"CurrentBuildNumber only", sz("ProductName", "Windows 10 Pro", "CurrentBuildNumber", "19045"),
			osInfo{Name: "Windows 10 Pro", PrettyName: "Windows 10 Pro (build 19045)", Kernel: "10.0.19045"}, false},
		{"major and minor DWORDs win over CurrentVersion", sz("ProductName", "Windows 10 Pro", "CurrentBuild", "19045", "CurrentVersion", "6.3",
			"CurrentMajorVersionNumber", "0xa", "CurrentMinorVersionNumber", "0x0"),
			osInfo{Name: "Windows 10 Pro", PrettyName: "Windows 10 Pro (build 19045)", Kernel: "10.0.19045"}, false},
		{"Windows 7", sz("ProductName", "Windows 7 Professional", "CurrentBuild", "7601", "CurrentVersion", "6.1"),
			osInfo{Name: "Windows 7 Professional", PrettyName: "Windows 7 Professional (build 7601)", Kernel: "6.1.7601"}, false},
		{"old build without CurrentVersion", sz("ProductName", "Windows 7", "CurrentBuild", "7601"),
			osInfo{Name: "Windows 7", PrettyName: "Windows 7 (build 7601)", Kernel: "7601"}, false},
		{"no ProductName, Windows 11 build", sz("CurrentBuild", "22631", "DisplayVersion", "23H2"),
			osInfo{Name: "Windows 11", Version: "23H2", PrettyName: "Windows 11 23H2 (build 22631)", Kernel: "10.0.22631"}, false},
		{"no ProductName, Windows 10 build", sz("CurrentBuild", "19045"),
			osInfo{Name: "Windows 10", PrettyName: "Windows 10 (build 19045)", Kernel: "10.0.19045"}, false},
		{"no ProductName, old build", sz("CurrentBuild", "9600", "CurrentVersion", "6.3"),
			osInfo{Name: "Windows", PrettyName: "Windows (build 9600)", Kernel: "6.3.9600"}, false},
		{"no build", sz("ProductName", "Windows 10 Pro", "DisplayVersion", "22H2"),
			osInfo{Name: "Windows 10 Pro", Version: "22H2", PrettyName: "Windows 10 Pro 22H2"}, false},
		{"garbage build ignored", sz("ProductName", "Windows 10 Pro", "CurrentBuild", "22631x"),
			osInfo{Name: "Windows 10 Pro", PrettyName: "Windows 10 Pro"}, false},
		{"garbage CurrentBuild, good CurrentBuildNumber", sz("ProductName", "Windows 10 Pro", "CurrentBuild", "x", "CurrentBuildNumber", "22631"),
			osInfo{Name: "Windows 11 Pro", PrettyName: "Windows 11 Pro (build 22631)", Kernel: "10.0.22631"}, false},
		{"garbage UBR ignored", sz("ProductName", "Windows 10 Pro", "CurrentBuild", "22631", "UBR", "0xZZ"),
			osInfo{Name: "Windows 11 Pro", PrettyName: "Windows 11 Pro (build 22631)", Kernel: "10.0.22631"}, false},
		{"UBR of the wrong type ignored", map[string]regValue{"ProductName": {"REG_SZ", "Windows 10 Pro"}, "CurrentBuild": {"REG_SZ", "19045"}, "UBR": {"REG_SZ", "0x1"}},
			osInfo{Name: "Windows 10 Pro", PrettyName: "Windows 10 Pro (build 19045)", Kernel: "10.0.19045"}, false},
		{"garbage version ignored", sz("ProductName", "Windows 10 Pro", "CurrentBuild", "19045", "DisplayVersion", "22 H2!"),
			osInfo{Name: "Windows 10 Pro", PrettyName: "Windows 10 Pro (build 19045)", Kernel: "10.0.19045"}, false},
		{"ProductName of the wrong type", map[string]regValue{"ProductName": {"REG_BINARY", "57696E"}}, osInfo{}, true},
		{"nothing", map[string]regValue{}, osInfo{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := windowsRelease(tt.vals)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("windowsRelease = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRegDWORD(t *testing.T) {
	tests := []struct {
		data string
		want uint32
		ok   bool
	}{
		{"0xd77", 3447, true},
		{"0XD77", 3447, true},
		{"0xffffffff", 4294967295, true},
		{"0x0", 0, true},
		{"0x100000000", 0, false},
		{"0x", 0, false},
		{"3447", 0, false},
		{"-0x1", 0, false},
		{"0x-1", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := regDWORD(map[string]regValue{"V": {"REG_DWORD", tt.data}}, "V")
		if got != tt.want || ok != tt.ok {
			t.Errorf("regDWORD(%q) = %d, %v; want %d, %v", tt.data, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseTzutil(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		dstOff  bool
		wantErr string
	}{
		{"no final newline", string(fixture(t, "windows/tzutil-g")), "W. Europe Standard Time", false, ""},
		{"newline", "Pacific Standard Time\n", "Pacific Standard Time", false, ""},
		{"crlf", "Pacific Standard Time\r\n", "Pacific Standard Time", false, ""},
		{"utf-8 bom", "\uFEFFTokyo Standard Time", "Tokyo Standard Time", false, ""},
		{"leading blank lines", "\r\n\r\nUTC\r\n", "UTC", false, ""},
		{"parentheses", "Pacific Standard Time (Mexico)", "Pacific Standard Time (Mexico)", false, ""},
		{"plus sign", "UTC+12", "UTC+12", false, ""},
		{"dstoff", "Pacific Standard Time_dstoff\r\n", "Pacific Standard Time", true, ""},
		{"empty", "", "", false, "printed nothing"},
		{"blank", "\r\n \r\n", "", false, "printed nothing"},
		{"garbage", "\x00\xff", "", false, "is not a Windows time zone name"},
		{"error text", "Error: Access is denied.", "", false, "is not a Windows time zone name"},
		{"digits only", "123", "", false, "is not a Windows time zone name"},
		{"too long", strings.Repeat("A", 65), "", false, "is not a Windows time zone name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, dstOff, err := parseTzutil(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseTzutil(%q) = %q, %v, %v; want error %q", tt.in, got, dstOff, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || dstOff != tt.dstOff {
				t.Errorf("parseTzutil(%q) = %q, %v, %v; want %q, %v", tt.in, got, dstOff, err, tt.want, tt.dstOff)
			}
		})
	}
}

func TestWindowsZonesTable(t *testing.T) {
	// CLDR lists about 140 Windows zones; far fewer means the table was cut.
	if len(windowsZones) < 135 {
		t.Errorf("only %d Windows zones", len(windowsZones))
	}
	for win, iana := range windowsZones {
		if !windowsZoneID(win) {
			t.Errorf("%q is not shaped like a Windows zone ID, so tzutil output naming it would be refused", win)
		}
		if !validZoneName(iana) {
			t.Errorf("%q → %q: not an IANA name", win, iana)
		}
		// Every target must load, or its offset would silently come from the
		// clock. The test binary embeds time/tzdata (system_test.go).
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("%q → %q: %v", win, iana, err)
		}
	}
	for win, want := range map[string]string{
		"W. Europe Standard Time":        "Europe/Berlin",
		"Romance Standard Time":          "Europe/Paris",
		"GMT Standard Time":              "Europe/London",
		"Eastern Standard Time":          "America/New_York",
		"Pacific Standard Time":          "America/Los_Angeles",
		"India Standard Time":            "Asia/Calcutta",
		"UTC":                            "Etc/UTC",
		"UTC-11":                         "Etc/GMT+11", // POSIX signs are inverted
		"Pacific Standard Time (Mexico)": "America/Tijuana",
		"pacific standard time":          "America/Los_Angeles",
	} {
		if got, ok := ianaFromWindows(win); !ok || got != want {
			t.Errorf("ianaFromWindows(%q) = %q, %v; want %q", win, got, ok, want)
		}
	}
	if got, ok := ianaFromWindows("Mars Standard Time"); ok || got != "" {
		t.Errorf("unknown zone mapped to %q", got)
	}
}

func TestWindowsZoneOffsets(t *testing.T) {
	// Spot-check that the mapped zones have the offsets their Windows names
	// promise, in January (no daylight saving north of the equator).
	jan := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)
	for win, want := range map[string]int{
		"W. Europe Standard Time":    3600,
		"Tokyo Standard Time":        9 * 3600,
		"India Standard Time":        5*3600 + 1800,
		"Nepal Standard Time":        5*3600 + 2700,
		"Newfoundland Standard Time": -(3*3600 + 1800),
		"Dateline Standard Time":     -12 * 3600,
		"Line Islands Standard Time": 14 * 3600,
		"UTC+12":                     12 * 3600,
	} {
		iana, _ := ianaFromWindows(win)
		loc, err := time.LoadLocation(iana)
		if err != nil {
			t.Fatal(err)
		}
		if _, got := jan.In(loc).Zone(); got != want {
			t.Errorf("%s (%s): offset %d, want %d", win, iana, got, want)
		}
	}
}

func FuzzParseRegQuery(f *testing.F) {
	for _, s := range []string{
		"\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n    ProductName    REG_SZ    Windows 10 Pro\r\n    CurrentBuild    REG_SZ    22631\r\n    UBR    REG_DWORD    0xd77\r\n",
		"    CurrentBuild    REG_SZ    99999999999999999999\n", "    UBR    REG_DWORD    0xffffffffff\n",
		"    X    REG_SZ", "    REG_SZ    ", "HKEY_\nHKEY_\n    A    REG_SZ    b\n", "", "\x00", "\uFEFF",
		"    ProductName    REG_SZ    Windows 10\n    CurrentBuildNumber    REG_SZ    22000\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vals := parseRegQuery(in)
		for name, v := range vals {
			if name == "" || !regType(v.Type) {
				t.Errorf("value %q = %+v", name, v)
			}
			displayable(t, "name", name)
			displayable(t, "data", v.Data)
		}
		info, err := windowsRelease(vals)
		if err != nil {
			if !info.empty() {
				t.Errorf("info %+v with error %v", info, err)
			}
			return
		}
		if info.Name == "" || info.PrettyName == "" || !strings.HasPrefix(info.PrettyName, info.Name) {
			t.Errorf("info = %+v", info)
		}
		displayable(t, "pretty name", info.PrettyName)
	})
}

func FuzzParseTzutil(f *testing.F) {
	for _, s := range []string{
		"W. Europe Standard Time", "Pacific Standard Time_dstoff\r\n", "\uFEFFUTC\r\n", "", "\r\n", "_dstoff",
		"UTC+12", "Pacific Standard Time (Mexico)", "\x00", "a\nb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		name, dstOff, err := parseTzutil(in)
		if err != nil {
			if name != "" || dstOff {
				t.Errorf("parseTzutil(%q) = %q, %v with error %v", in, name, dstOff, err)
			}
			return
		}
		if !windowsZoneID(name) || strings.HasSuffix(name, dstOffSuffix) {
			t.Errorf("parseTzutil(%q) = %q", in, name)
		}
		if iana, ok := ianaFromWindows(name); ok && !validZoneName(iana) {
			t.Errorf("%q maps to %q", name, iana)
		}
	})
}

package network

import (
	"net/netip"
	"os"
	"testing"
)

func TestParseRoutePrintRealOutputs(t *testing.T) {
	for _, tc := range []struct {
		file       string
		v4gw, v4if string
		v4n, v6n   int
		v6gw       string
	}{
		{"windows-route-print-1.txt", "10.211.55.1", "10.211.55.3", 1, 0, ""},
		{"windows-route-print-4.txt", "10.21.38.1", "10.21.38.97", 2, 0, ""},
	} {
		data, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		v4, v6 := parseRoutePrint(string(data))
		if len(v4) != tc.v4n || v4[0].Gateway.String() != tc.v4gw || v4[0].Interface != tc.v4if || len(v6) != tc.v6n {
			t.Errorf("%s: v4 %+v v6 %+v", tc.file, v4, v6)
		}
	}
	for _, f := range []string{"windows-route-print-2.txt", "windows-route-print-3.txt"} {
		data, _ := os.ReadFile("testdata/" + f)
		v4, _ := parseRoutePrint(string(data))
		if len(v4) == 0 || !v4[0].Gateway.IsValid() {
			t.Errorf("%s: no IPv4 default route found: %+v", f, v4)
		}
	}
}

func TestParseRoutePrintWrappedIPv6Default(t *testing.T) {
	out := "IPv6 Route Table\n=====\nActive Routes:\n If Metric Network Destination      Gateway\n 12    271 ::/0\n                                    fe80::1\n  1    331 ::1/128                  On-link\n=====\nPersistent Routes:\n If Metric Network Destination      Gateway\n  0 4294967295 ::/0            fe80::99\n=====\n"
	_, v6 := parseRoutePrint(out)
	if len(v6) != 1 || v6[0].Gateway.String() != "fe80::1" || v6[0].Interface != "if12" {
		t.Errorf("v6 %+v (the persistent route must not count)", v6)
	}
}

func TestParseNetstatRN(t *testing.T) {
	data, err := os.ReadFile("testdata/macos-netstat-rn-synthetic.txt")
	if err != nil {
		t.Fatal(err)
	}
	v4, v6 := parseNetstatRN(string(data))
	if len(v4) != 1 || v4[0].Gateway.String() != "192.168.1.1" || v4[0].Interface != "en0" {
		t.Errorf("v4 %+v", v4)
	}
	if len(v6) != 2 || v6[0].Interface != "utun0" || v6[1].Gateway.String() != "fe80::a691:b1ff:fe2e:7f10" {
		t.Errorf("v6 %+v", v6)
	}
}

func FuzzParseRoutePrint(f *testing.F) {
	for _, n := range []string{"1", "2", "3", "4"} {
		data, _ := os.ReadFile("testdata/windows-route-print-" + n + ".txt")
		f.Add(string(data))
	}
	data, _ := os.ReadFile("testdata/macos-netstat-rn-synthetic.txt")
	f.Add(string(data))
	f.Fuzz(func(t *testing.T, s string) {
		v4, v6 := parseRoutePrint(s)
		for _, r := range append(v4, v6...) {
			if r.Interface == "" {
				t.Fatal("route without interface")
			}
		}
		parseNetstatRN(s)
	})
}

func TestNameRouteInterfaces(t *testing.T) {
	data, _ := os.ReadFile("testdata/windows-route-print-4.txt")
	v4, _ := parseRoutePrint(string(data))
	r := routes{V4: v4, V6: []defaultRoute{{Interface: "if6"}}}
	wifi := iface{Index: 6, Name: "Wi-Fi", Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.100.74/24")}}
	nameRouteInterfaces(&r, []iface{wifi})
	if r.V6[0].Interface != "Wi-Fi" {
		t.Errorf("v6 by index: %+v", r.V6)
	}
	found := false
	for _, d := range r.V4 {
		found = found || d.Interface == "Wi-Fi"
	}
	if !found {
		t.Errorf("v4 by address: %+v", r.V4)
	}
}

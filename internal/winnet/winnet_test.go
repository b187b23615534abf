package winnet

import (
	"errors"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestParseSearchList(t *testing.T) {
	got := ParseSearchList("corp.example,EU.corp.example., corp.example,,lab.example")
	if !slices.Equal(got, []string{"corp.example", "eu.corp.example", "lab.example"}) {
		t.Errorf("%q", got)
	}
	if got := ParseSearchList(" , ; "); got != nil {
		t.Errorf("empty: %q", got)
	}
}

func TestOperStatusString(t *testing.T) {
	for s, want := range map[OperStatus]string{OperUp: "up", OperDown: "down", OperLowerLayerDown: "lower layer down", OperNotPresent: "not present", 42: "status 42", 0: "status 0"} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q", s, got)
		}
	}
}

// TestAddressAndRouteFacts: the few readings of the raw values that are
// Windows' own rules, not wfh's.
func TestAddressAndRouteFacts(t *testing.T) {
	temp := Address{Prefix: netip.MustParsePrefix("2001:db8:5:0:8928:348e:d692:b7ef/64"), PrefixOrigin: PrefixOriginRouterAdvertisement, SuffixOrigin: SuffixOriginRandom}
	stable := Address{Prefix: netip.MustParsePrefix("2001:db8:5:0:1c8e:3b4d:2a1f:9e77/64"), PrefixOrigin: PrefixOriginRouterAdvertisement, SuffixOrigin: SuffixOriginLinkLayerAddress}
	dhcp := Address{Prefix: netip.MustParsePrefix("192.168.1.20/24"), PrefixOrigin: PrefixOriginDHCP, SuffixOrigin: SuffixOriginRandom}
	if !temp.Temporary() || stable.Temporary() || dhcp.Temporary() {
		t.Errorf("temporary: %v %v %v", temp.Temporary(), stable.Temporary(), dhcp.Temporary())
	}
	r := Route{Dst: netip.MustParsePrefix("0.0.0.0/0"), RouteMetric: 0, InterfaceMetric: 35}
	if !r.Default() || r.Metric() != 35 {
		t.Errorf("%+v: default %v metric %d", r, r.Default(), r.Metric())
	}
	if (Route{Dst: netip.MustParsePrefix("0.0.0.0/1")}).Default() || (Route{}).Default() {
		t.Error("a half or an empty route is no default")
	}
	if m := (Route{RouteMetric: ^uint32(0), InterfaceMetric: ^uint32(0)}).Metric(); m != 2*uint64(^uint32(0)) {
		t.Errorf("metric overflow: %d", m)
	}
}

func TestReadOffWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the readers are real")
	}
	_, err1 := ReadAdapters()
	_, err2 := ReadRoutes()
	_, err3 := ReadNRPT()
	_, err4 := ReadSearchList()
	for _, err := range []error{err1, err2, err3, err4} {
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("off Windows a reader must say it is unsupported: %v", err)
		}
	}
}

func FuzzParseSearchList(f *testing.F) {
	for _, s := range []string{"a.example,b.example", " ,.,", "", "X.Example."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := ParseSearchList(s)
		for i, v := range out {
			if v == "" || strings.HasSuffix(v, ".") || slices.Contains(out[:i], v) {
				t.Fatalf("%q gave %q", s, out)
			}
		}
	})
}

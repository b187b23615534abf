package winnet

import (
	"testing"

	"golang.org/x/sys/windows"
)

// TestConstantsMatchWindows keeps the portable copies of Windows' values
// equal to x/sys's, which only build on Windows.
func TestConstantsMatchWindows(t *testing.T) {
	pairs := []struct {
		name      string
		ours, sys uint32
	}{
		{"IfTypeEthernet", IfTypeEthernet, windows.IF_TYPE_ETHERNET_CSMACD},
		{"IfTypePPP", IfTypePPP, windows.IF_TYPE_PPP},
		{"IfTypeLoopback", IfTypeLoopback, windows.IF_TYPE_SOFTWARE_LOOPBACK},
		{"IfTypeIEEE80211", IfTypeIEEE80211, windows.IF_TYPE_IEEE80211},
		{"IfTypeTunnel", IfTypeTunnel, windows.IF_TYPE_TUNNEL},
		{"IfTypeIEEE1394", IfTypeIEEE1394, windows.IF_TYPE_IEEE1394},
		{"OperUp", uint32(OperUp), windows.IfOperStatusUp},
		{"OperDown", uint32(OperDown), windows.IfOperStatusDown},
		{"OperLowerLayerDown", uint32(OperLowerLayerDown), windows.IfOperStatusLowerLayerDown},
		{"PrefixOriginRouterAdvertisement", PrefixOriginRouterAdvertisement, windows.IpPrefixOriginRouterAdvertisement},
		{"PrefixOriginDHCP", PrefixOriginDHCP, windows.IpPrefixOriginDhcp},
		{"SuffixOriginRandom", SuffixOriginRandom, windows.IpSuffixOriginRandom},
		{"SuffixOriginLinkLayerAddress", SuffixOriginLinkLayerAddress, windows.IpSuffixOriginLinkLayerAddress},
	}
	for _, p := range pairs {
		if p.ours != p.sys {
			t.Errorf("%s = %d, Windows says %d", p.name, p.ours, p.sys)
		}
	}
}

// TestReadThisMachine reads the machine the test runs on (a Windows CI
// runner, or Wine): every source answers, and there is a loopback
// adapter. What netstate makes of it is tested in netstate's own Windows
// test.
func TestReadThisMachine(t *testing.T) {
	adapters, err := ReadAdapters()
	if err != nil {
		t.Fatalf("ReadAdapters: %v", err)
	}
	routes, err := ReadRoutes()
	if err != nil {
		t.Fatalf("ReadRoutes: %v", err)
	}
	if _, err := ReadNRPT(); err != nil {
		t.Errorf("ReadNRPT: %v", err)
	}
	if _, err := ReadSearchList(); err != nil {
		t.Errorf("ReadSearchList: %v", err)
	}
	loopback := false
	for _, a := range adapters {
		t.Logf("adapter %d %q (%s): IfType %d, %s, %v, DNS %v", a.Index, a.FriendlyName, a.Description, a.IfType, a.Oper, a.Addresses, a.DNSServers)
		loopback = loopback || a.IfType == IfTypeLoopback
	}
	if !loopback {
		t.Error("no loopback adapter: every Windows has one")
	}
	for _, r := range routes {
		if r.Default() {
			t.Logf("default %s via %v on %d, metric %d", r.Dst, r.NextHop, r.Index, r.Metric())
		}
	}
}

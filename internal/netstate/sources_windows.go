package netstate

import "github.com/wfh-cli/wfh/internal/winnet"

// platformSources returns the sources the real machine uses on Windows:
// the OS's API (internal/winnet) for the interfaces, routes and DNS
// servers, each falling back to the text of ipconfig and route print when
// its call fails; reg.exe for the proxy; and, where the read may ask the
// kernel for the way out, a Winsock socket (winsockEgress).
func platformSources(t *tools, text Sources) Sources {
	s := windowsAPISources(t, winAPI{
		Adapters: winnet.ReadAdapters,
		Routes:   winnet.ReadRoutes,
		NRPT:     winnet.ReadNRPT,
		Global:   winnet.ReadSearchList,
	}, text)
	if s.Egress != nil {
		s.Egress = winsockEgress{}
	}
	return s
}

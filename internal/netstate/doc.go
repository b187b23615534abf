// Package netstate is wfh's one view of the machine's network per run: its
// interfaces, routes, the path internet traffic takes, its DNS
// configuration and its proxy settings. A run starts one read (Start) before
// its checks; the sources are read concurrently within ReadLimit, and a
// check waits only for the parts it asks for (State.Routes blocks until the
// route source has answered or its context ends), so no check pays for a
// slow source it does not read. Every check of a run sees the same values,
// and a source that does not answer leaves its part empty with the reason
// (State.Problems), which the report shows.
//
// A check that must see the state change (the vpn check once its probes
// may have brought a tunnel up; `wfh watch` on each tick) asks for a fresh
// read with State.Fresh. Nothing else in wfh reads routes, interfaces or
// DNS settings.
//
// Each part comes from one small source interface (InterfaceSource,
// RouteSource, DNSConfigSource, ProxySource, EgressSource). The sources that read
// each OS's own tools (/proc/net/route, sysfs, resolv.conf and resolvectl on
// Linux; ifconfig, netstat -rn and scutil on macOS; ipconfig /all, route
// print and reg on Windows) read only through Config.FS and Config.Exec, so
// they run on any OS against captured output: they live in files without an
// OS suffix (srclinux.go, srcdarwin.go, srcwindows.go) and are picked by
// Config.OS. The parsers are pure and fuzzed.
//
// On the real machine (Config.Native) sources_GOOS.go puts the OS's own
// APIs in front of the tools, part by part: on Windows GetAdaptersAddresses,
// GetIpForwardTable2 and the NRPT (internal/winnet), on macOS the routing
// socket (internal/darwinnet). Those packages copy what the API says into
// plain structs; what the values mean (kinds, default routes, DNS servers
// in the OS's order) is converted here, in winapi.go and darwinapi.go,
// tested on every OS with values of real machines. A part whose API fails
// is read from the tools instead, and Snapshot.Origins says which source
// answered and why the API did not. The kinds of Windows and macOS
// interfaces follow one rule set per OS whichever source gave the facts
// (kindwindows.go, kinddarwin.go).
//
// Tests of other packages build a State from plain values with FromSnapshot.
package netstate

// Package netlab builds real, throwaway networks for integration tests out
// of Linux network namespaces, veth pairs, routes, nftables and tc, so wfh's
// checks can be tested against an actual home router, server, firewall or
// slow link instead of fakes.
//
// # Using it
//
//	lab := netlab.New(t) // skips unless root on Linux with `ip`
//	home, router, server := lab.HomeAndInternet()
//	ca := netlab.NewCA(t)
//	addr := server.ServeTLS("[::]:443", ca.Issue("srv.wfh.test", netlab.ServerIPv4), handler)
//	router.Nft(`table inet t { chain f { type filter hook forward priority 0; policy drop; } }`)
//	env := &checks.Env{Dialer: home /* or &netlab.Dialer{NS: home, Resolver: r} */, ...}
//
// Lab.Namespace, Lab.Link, NS.Route and NS.Forwarding build any other
// shape; Lab.Chain builds a line of namespaces with addresses and routes
// (HomeAndInternet is a Chain of three). Impairments such as a slow uplink
// go on a router's interface with NS.Run("tc", ...) (tbf and htb work; the
// test machines have no netem).
//
// Links with known truth: Lab.Topology builds home — homerouter — isp —
// server with an impairment Stage at both ends of every link, so a test
// sets one-way delay, jitter, independent loss and rate with a tail-drop
// queue per link and direction (Link.Set). tc netem is missing on the test
// machines; the stage is the project's own, in Go: a tc u32 filter
// redirects the packets arriving on an interface to a TUN device before
// routing, and the stage re-injects them when their time comes, so the
// detour costs no TTL. Its calibration against ping and iperf3 is in
// docs/testing.md (cmd/calibrate prints it). NS.Ping and Iperf3 run the
// reference tools; programs build labs with Standalone and Try.
//
// Code of the test process reaches a namespace through NS.Do: it runs a
// function on an OS thread switched into the namespace, and sockets made
// there stay in it. NS.Listen, NS.ListenPacket, NS.DialContext, Dialer,
// NS.ServeHTTP and NS.ServeTLS are built on it. Go's resolver and any
// goroutine started inside Do run in the host namespace, which is why a
// Dialer dials IP literals unless given a Resolver. Other programs run in a
// namespace through NS.Command (long-running) or NS.Run (short), which use
// `ip netns exec` and so also see the file that NS.ResolvConf writes.
//
// Real servers: NS.StartCoturn runs coturn's turnserver in a namespace as
// a STUN and TURN server (long-term credentials, TLS with a CA's
// certificate, two listening addresses for RFC 5780 NAT discovery) with a
// configuration in a temporary directory, waits until it answers, and
// stops it at cleanup; NS.AddAddress gives a server its second address.
//
// Every route netlab adds, including the subnet routes of links, carries
// `congctl cubic`: namespaces inherit the host's default congestion control
// (bbr on the development machines) and may not change it, but a route's
// congctl applies to every TCP connection over it, so tests see the
// behaviour of a typical client whatever the host runs.
//
// # Rules
//
//   - Traffic goes only to loopback or to namespaces the test created. Use
//     the address plan of Chain (10.200.<link>.0/24, fd00:200:<link>::/64)
//     or other addresses you assign on your own veths: they exist only
//     inside the lab. A Dialer without a Resolver refuses names, because
//     resolving through the host could send queries off the machine.
//   - Everything is cleaned up when the test ends, also when it fails:
//     processes left in a namespace are killed, namespaces deleted (their
//     veths and nftables rules go with them), /etc/netns/<name> removed,
//     servers and listeners closed. Veths are created directly inside
//     their namespaces and never exist on the host.
//   - Names are "wfh-<pid>-<random>-<name>", so parallel tests and leftovers
//     never collide; New removes leftovers whose test binary died before
//     its cleanup could run.
//   - Every command is bounded in time; tests bound their own waits with
//     contexts and deadlines.
//   - Builder methods call t.Fatal and so belong on the test's goroutine;
//     a function given to Do must not call t.Fatal.
//
// # Requirements
//
// Root on Linux, and the Debian packages iproute2 (ip, tc) and nftables
// (nft; only tests that call NS.Nft skip without it); iputils-ping and
// iperf3 for the tests that measure through the stages; coturn for the
// tests that call NS.StartCoturn (they skip without it). Without root or ip,
// New skips the test, so `go test ./...` stays green on a laptop.
package netlab

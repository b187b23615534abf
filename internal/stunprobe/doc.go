// Package stunprobe finds out whether real-time media can get from this
// computer to a STUN or TURN server, and over which transport: a STUN
// Binding over UDP (what every calling app tries first), over TCP and over
// TLS (the fallbacks on 443 and 5349), a knock (a Binding with an
// unauthenticated TURN Allocate beside it, for relays that answer only
// TURN), a plain TCP connect or TLS handshake (an app's fallback on 443,
// which speaks its own protocol there), the NAT's mapping behaviour (RFC
// 5780 where a server offers a second address, else two servers compared;
// a symmetric NAT is named), and a TURN allocation with long-term
// credentials over UDP, TCP and TLS. The calls check (issue 26) and the
// services check's Azure Virtual Desktop probe (issue 28) are built on it.
//
// Messages are encoded and decoded with github.com/pion/stun/v3 and TURN
// allocation runs github.com/pion/turn/v4's client; this package adds what
// a diagnosis needs around them:
//
//   - Every probe is bounded: by the caller's context and by
//     Prober.Timeout (ProbeTimeout, 3 s), so a whole Set run at once by
//     RunSet ends inside Budget (4 s) whatever the network does. UDP
//     requests are resent at 0, 0.25, 0.75 and 1.75 s, each with its own
//     transaction ID, so the round trip reported is that of the request
//     answered.
//   - Outcomes say what the network did: answered, silent (dropped or
//     down), refused (ICMP port unreachable over UDP, a reset over TCP),
//     unreachable, blocked by this computer's own firewall, garbage,
//     closed, TLS failed. Each Result carries one line saying which step
//     failed or timed out and after how long.
//   - Whatever a server sends is safe: replies with a wrong transaction ID,
//     from another address or not well-formed (including truncated address
//     attributes, which pion's getters would half-read) are ignored and
//     counted in Ignored, never taken as the answer; the parsers are
//     fuzzed.
//   - TURN credentials live in a Credentials value that prints and
//     marshals as "[redacted]", and no Reason ever contains them.
//
// Seams: Prober.Dialer (UDP, TCP and TLS sockets; checks.Env's Dialer fits),
// Prober.ListenPacket (the NAT probe's unconnected socket), Prober.Resolver,
// Prober.TLS (roots) and Prober.Now. Tests run the probes against loopback
// servers of their own and, in internal/netlab namespaces, against coturn
// (netlab's NS.StartCoturn) behind nftables firewalls and NATs.
//
// Platform notes: a connected UDP socket receives ICMP port unreachable on
// Linux and macOS; Go turns that reporting off on Windows (go.dev/issue/
// 5834) and the probe turns it back on for its own socket. The NAT probe's
// unconnected socket sees them only on Linux (IP_RECVERR); elsewhere a
// rejected UDP path reads as silent there.
package stunprobe

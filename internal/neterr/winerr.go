package neterr

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// winsockWordsOf words a Windows socket or resolver error that
// Classify leaves as Other. Windows' own text for these codes
// is in the user's language, Wine's differs from Windows'
// ("Nonauthoritative host not found."), and Go prints a code it has no
// text for as "winapi error #10045": none of that belongs in a report. On
// Windows, syscall.ECONNREFUSED and its kin are not the Winsock codes
// (errors.Is(WSAECONNREFUSED, syscall.ECONNREFUSED) is false), which is
// why Classify consults winsockWords. The codes are Winsock's
// (winerror.h), all above 1000, so they never collide with Unix errno
// values and the mapping is tested on every OS. ok is false for an error
// that carries none of them.
func winsockWordsOf(err error) (words string, ok bool) {
	var code syscall.Errno
	if errors.As(err, &code) {
		if w, found := winsockWords[uint32(code)]; found {
			return w.words, true
		}
		if code >= winsockFirst && code <= winsockLast {
			// A Winsock code without words of its own: named as one, not
			// as Go's "winapi error #N" or Windows' localised text.
			return fmt.Sprintf("the network stack failed (Windows Sockets error %d)", uint32(code)), true
		}
		return "", false
	}
	if w, ok := winsockText(err.Error()); ok {
		return w.words, true
	}
	return "", false
}

// winsockText finds the code behind an error that carries it only as
// text: Go's resolver on Windows keeps GetAddrInfoW's failure as a string
// in net.DNSError ("getaddrinfow: " and the system's message). The text is
// matched against the system's own message for each code
// (syscall.Errno.Error, the same FormatMessage text in the same language).
func winsockText(text string) (winsockWord, bool) {
	text = strings.TrimSpace(text)
	for c, w := range winsockWords {
		if msg := strings.TrimSpace(syscall.Errno(c).Error()); msg != "" && strings.HasSuffix(text, ": "+msg) {
			return w, true
		}
	}
	return winsockWord{}, false
}

// winsockFirst and winsockLast bound the Windows Sockets codes
// (WSABASEERR 10000 to the WSA_QOS_* codes at 11031).
const (
	winsockFirst syscall.Errno = 10000
	winsockLast  syscall.Errno = 11999
)

type winsockWord struct {
	kind  Kind
	words string
}

// winsockWords: Winsock's WSAE* and WSA* codes and the Win32 codes that
// ConnectEx and overlapped I/O report instead.
var winsockWords = map[uint32]winsockWord{
	10013: {Blocked, "the system refused wfh a network socket (a firewall or security program may block it)"}, // WSAEACCES
	10045: {Other, "this system's network stack lacks an operation wfh needs"},                                // WSAEOPNOTSUPP
	10047: {Unreachable, "this computer has no networking for this kind of address"},                          // WSAEAFNOSUPPORT
	10048: {Other, "the local address is already in use"},                                                     // WSAEADDRINUSE
	10049: {Unreachable, "the address cannot be used from this computer's network"},                           // WSAEADDRNOTAVAIL
	10050: {Unreachable, "the network is down"},                                                               // WSAENETDOWN
	10051: {Unreachable, "no route to this address: network unreachable"},                                     // WSAENETUNREACH
	10052: {Reset, "the connection broke because the network went away"},                                      // WSAENETRESET
	10053: {Reset, "this computer ended the connection (aborted)"},                                            // WSAECONNABORTED
	10054: {Reset, "the other side reset the connection"},                                                     // WSAECONNRESET
	10060: {Timeout, "no answer in time"},                                                                     // WSAETIMEDOUT
	10061: {Refused, "nothing listens at this address: connection refused"},                                   // WSAECONNREFUSED
	10064: {HostUnreachable, "the host is down"},                                                              // WSAEHOSTDOWN
	10065: {HostUnreachable, "the address cannot be reached: host unreachable"},                               // WSAEHOSTUNREACH
	11001: {NoSuchHost, "the name does not exist"},                                                            // WSAHOST_NOT_FOUND
	11002: {Timeout, "no DNS server gave an answer (a temporary failure)"},                                    // WSATRY_AGAIN
	11003: {Lookup, "the DNS server failed to answer (a permanent failure)"},                                  // WSANO_RECOVERY
	11004: {NoSuchHost, "the name has no address"},                                                            // WSANO_DATA
	121:   {Timeout, "no answer in time"},                                                                     // ERROR_SEM_TIMEOUT
	1225:  {Refused, "nothing listens at this address: connection refused"},                                   // ERROR_CONNECTION_REFUSED
	1231:  {Unreachable, "no route to this address: network unreachable"},                                     // ERROR_NETWORK_UNREACHABLE
	1232:  {HostUnreachable, "the address cannot be reached: host unreachable"},                               // ERROR_HOST_UNREACHABLE
	1236:  {Reset, "this computer ended the connection (aborted)"},                                            // ERROR_CONNECTION_ABORTED
}

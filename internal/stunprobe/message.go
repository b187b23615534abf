package stunprobe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/pion/stun/v3"
)

// STUN wire constants (RFC 8489 §5, §14.1-14.2; RFC 5780 §7.2).
const (
	headerSize   = 20
	magicCookie  = 0x2112A442
	familyIPv4   = 0x01
	familyIPv6   = 0x02
	changeIP     = 0x04 // CHANGE-REQUEST flag: answer from the other IP
	changePort   = 0x02 // CHANGE-REQUEST flag: answer from the other port
	maxReasonLen = 80   // of a server's error reason phrase, in a Reason line
)

// txID is a STUN transaction ID.
type txID = [stun.TransactionIDSize]byte

// newBindingRequest encodes a Binding request with a fresh random
// transaction ID and a FINGERPRINT (which lets servers tell STUN from
// other traffic on a shared port). change, when non-zero, adds an RFC 5780
// CHANGE-REQUEST with those flags.
func newBindingRequest(change uint32) (*stun.Message, error) {
	setters := []stun.Setter{stun.TransactionID, stun.BindingRequest}
	if change != 0 {
		v := make([]byte, 4)
		binary.BigEndian.PutUint32(v, change)
		setters = append(setters, rawAttr{stun.AttrChangeRequest, v})
	}
	setters = append(setters, stun.Fingerprint)
	m, err := stun.Build(setters...)
	if err != nil {
		return nil, fmt.Errorf("build STUN request: %w", err)
	}
	return m, nil
}

type rawAttr struct {
	t stun.AttrType
	v []byte
}

func (a rawAttr) AddTo(m *stun.Message) error { m.Add(a.t, a.v); return nil }

// newAllocateRequest encodes a TURN Allocate request without credentials
// (RFC 8656 §7.1: REQUESTED-TRANSPORT UDP), with a fresh transaction ID and
// a FINGERPRINT. A TURN server answers it with 401 Unauthorized, which
// proves the path to it: the knock for relays that may not answer a bare
// Binding (see Prober.Knock).
func newAllocateRequest() (*stun.Message, error) {
	m, err := stun.Build(stun.TransactionID, stun.NewType(stun.MethodAllocate, stun.ClassRequest),
		rawAttr{stun.AttrRequestedTransport, []byte{protoUDP, 0, 0, 0}}, stun.Fingerprint)
	if err != nil {
		return nil, fmt.Errorf("build TURN request: %w", err)
	}
	return m, nil
}

// newReleaseRequest encodes a Refresh with LIFETIME 0 (RFC 8656 §7.2),
// which deletes an allocation: sent when a server granted the knock's
// unauthenticated Allocate, so the probe holds no relay for its lifetime.
func newReleaseRequest() (*stun.Message, error) {
	m, err := stun.Build(stun.TransactionID, stun.NewType(stun.MethodRefresh, stun.ClassRequest),
		rawAttr{stun.AttrLifetime, []byte{0, 0, 0, 0}}, stun.Fingerprint)
	if err != nil {
		return nil, fmt.Errorf("build TURN request: %w", err)
	}
	return m, nil
}

// protoUDP is REQUESTED-TRANSPORT's value for UDP (the IANA protocol number).
const protoUDP = 17

// response is what a usable Binding (or knock Allocate) response says.
type response struct {
	tx txID
	// method is Binding, or Allocate for the answer to a knock.
	method stun.Method
	// errorCode is the STUN error of an error response (300-699); 0 for
	// a success response.
	errorCode int
	// errorReason is the server's reason phrase, printable and clipped.
	errorReason string
	// mapped is the address the server saw the request come from: the
	// XOR-MAPPED-ADDRESS, else the MAPPED-ADDRESS of RFC 3489 servers.
	// Valid for every success response.
	mapped netip.AddrPort
	// xor tells whether mapped came from XOR-MAPPED-ADDRESS.
	xor bool
	// other is the RFC 5780 OTHER-ADDRESS (the server's second IP and
	// port), or RFC 3489's CHANGED-ADDRESS; invalid when absent or
	// malformed.
	other netip.AddrPort
	// origin is the RFC 5780 RESPONSE-ORIGIN; invalid when absent.
	origin netip.AddrPort
}

// Reasons a datagram is not a usable response; they only feed the
// Ignored counters, so their wording is for debugging.
var (
	errNotSTUN     = errors.New("not a STUN message")
	errNotResponse = errors.New("not a Binding or Allocate response")
	errNoMapped    = errors.New("success response without a mapped address")
)

// parseResponse reads one whole STUN message (a UDP datagram, or a frame
// cut from a stream) as a Binding response, or an Allocate response (the
// answer to a knock; the caller checks the method is the one it asked).
// Anything that is not exactly a well-formed success or error response of
// those methods is an error: wrong length, bad FINGERPRINT, a request or
// indication, another method, a truncated or zero address. It never
// panics, whatever b holds.
func parseResponse(b []byte) (response, error) {
	var r response
	if len(b) < headerSize || binary.BigEndian.Uint32(b[4:8]) != magicCookie || b[0]&0xC0 != 0 {
		return r, errNotSTUN
	}
	length := int(binary.BigEndian.Uint16(b[2:4]))
	if length%4 != 0 || headerSize+length != len(b) {
		return r, fmt.Errorf("%w: length field %d for %d bytes", errNotSTUN, length, len(b))
	}
	m := new(stun.Message)
	if err := stun.Decode(b, m); err != nil {
		return r, fmt.Errorf("%w: %v", errNotSTUN, err)
	}
	r.tx, r.method = m.TransactionID, m.Type.Method
	if (m.Type.Method != stun.MethodBinding && m.Type.Method != stun.MethodAllocate) ||
		(m.Type.Class != stun.ClassSuccessResponse && m.Type.Class != stun.ClassErrorResponse) {
		return r, fmt.Errorf("%w: %s", errNotResponse, m.Type)
	}
	if m.Contains(stun.AttrFingerprint) {
		if err := stun.Fingerprint.Check(m); err != nil {
			return r, fmt.Errorf("%w: %v", errNotSTUN, err)
		}
	}
	if m.Type.Class == stun.ClassErrorResponse {
		var ec stun.ErrorCodeAttribute
		if err := ec.GetFrom(m); err != nil {
			return r, fmt.Errorf("error response without a readable ERROR-CODE: %v", err)
		}
		if ec.Code < 300 || ec.Code > 699 {
			return r, fmt.Errorf("error response with code %d", ec.Code)
		}
		r.errorCode, r.errorReason = int(ec.Code), clip(string(ec.Reason), maxReasonLen)
		return r, nil
	}
	var err error
	switch {
	case m.Contains(stun.AttrXORMappedAddress):
		r.mapped, err = addressAttr(m, stun.AttrXORMappedAddress, true)
		r.xor = true
	case m.Contains(stun.AttrMappedAddress):
		r.mapped, err = addressAttr(m, stun.AttrMappedAddress, false)
	default:
		return r, errNoMapped
	}
	if err != nil {
		return r, err
	}
	// The optional RFC 5780 attributes only matter when well formed; a
	// broken one just means the server offers no second address.
	r.other, _ = addressAttr(m, stun.AttrOtherAddress, false)
	if !r.other.IsValid() {
		r.other, _ = addressAttr(m, stun.AttrChangedAddress, false)
	}
	r.origin, _ = addressAttr(m, stun.AttrResponseOrigin, false)
	return r, nil
}

// addressAttr decodes an address attribute strictly (RFC 8489 §14.1-14.2):
// family IPv4 with exactly 4 address bytes or IPv6 with exactly 16, a
// non-zero port and a specified address. pion's own getters accept short
// values and leave part of the address zero, which would report a wrong
// public address as if it were true.
func addressAttr(m *stun.Message, t stun.AttrType, xor bool) (netip.AddrPort, error) {
	v, err := m.Get(t)
	if err != nil {
		return netip.AddrPort{}, err
	}
	var ipLen int
	switch {
	case len(v) >= 2 && v[1] == familyIPv4:
		ipLen = 4
	case len(v) >= 2 && v[1] == familyIPv6:
		ipLen = 16
	default:
		return netip.AddrPort{}, fmt.Errorf("%s: unknown address family", t)
	}
	if len(v) != 4+ipLen {
		return netip.AddrPort{}, fmt.Errorf("%s: %d bytes, want %d", t, len(v), 4+ipLen)
	}
	port := binary.BigEndian.Uint16(v[2:4])
	ip := make([]byte, ipLen)
	copy(ip, v[4:])
	if xor {
		port ^= magicCookie >> 16
		var key [16]byte
		binary.BigEndian.PutUint32(key[:4], magicCookie)
		copy(key[4:], m.TransactionID[:])
		for i := range ip {
			ip[i] ^= key[i]
		}
	}
	a, _ := netip.AddrFromSlice(ip)
	if port == 0 || a.IsUnspecified() {
		return netip.AddrPort{}, fmt.Errorf("%s: zero address or port", t)
	}
	return netip.AddrPortFrom(a.Unmap(), port), nil
}

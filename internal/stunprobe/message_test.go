package stunprobe

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/pion/stun/v3"
)

func TestParseResponse(t *testing.T) {
	tx := txID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	mapped := mustAP("203.0.113.7:40000")
	mapped6 := mustAP("[2001:db8::7]:40000")
	other := mustAP("198.51.100.2:3479")
	withFP := func(b []byte) []byte {
		m := new(stun.Message)
		if err := stun.Decode(b, m); err != nil {
			t.Fatal(err)
		}
		if err := stun.Fingerprint.AddTo(m); err != nil {
			t.Fatal(err)
		}
		return append([]byte(nil), m.Raw...)
	}
	good := successFor(t, tx, xorMapped(mapped), otherAddress(other))
	badFP := withFP(good)
	badFP[len(badFP)-1] ^= 0xff
	// A message whose attribute says 8 bytes but the message ends after 4.
	cut := append([]byte(nil), successFor(t, tx, xorMapped(mapped))...)
	cut = cut[:len(cut)-4]
	binary.BigEndian.PutUint16(cut[2:4], uint16(len(cut)-headerSize))
	request, _ := stun.Build(stun.NewTransactionIDSetter(tx), stun.BindingRequest)
	refresh, _ := stun.Build(stun.NewTransactionIDSetter(tx), stun.NewType(stun.MethodRefresh, stun.ClassSuccessResponse), xorMapped(mapped))
	allocated, _ := stun.Build(stun.NewTransactionIDSetter(tx), stun.NewType(stun.MethodAllocate, stun.ClassSuccessResponse), xorMapped(mapped))
	unauthorized, _ := stun.Build(stun.NewTransactionIDSetter(tx), stun.NewType(stun.MethodAllocate, stun.ClassErrorResponse),
		stun.ErrorCodeAttribute{Code: 401, Reason: []byte("Unauthorized")})
	for _, tc := range []struct {
		name    string
		b       []byte
		ok      bool
		mapped  netip.AddrPort
		xor     bool
		other   netip.AddrPort
		errCode int
	}{
		{"XOR-MAPPED-ADDRESS and OTHER-ADDRESS", good, true, mapped, true, other, 0},
		{"IPv6", successFor(t, tx, xorMapped(mapped6)), true, mapped6, true, netip.AddrPort{}, 0},
		{"with fingerprint", withFP(good), true, mapped, true, other, 0},
		{"MAPPED-ADDRESS fallback", successFor(t, tx, plainMapped(mapped)), true, mapped, false, netip.AddrPort{}, 0},
		{"XOR wins over MAPPED", successFor(t, tx, plainMapped(mustAP("10.0.0.1:1")), xorMapped(mapped)), true, mapped, true, netip.AddrPort{}, 0},
		{"error response", errorFor(t, tx, 401, "Unauthorized"), true, netip.AddrPort{}, false, netip.AddrPort{}, 401},
		{"bad fingerprint", badFP, false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"no address", successFor(t, tx), false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"XOR address 3 bytes short", successFor(t, tx, rawAttrBytes(stun.AttrXORMappedAddress, []byte{0, 1, 0x10, 0x20, 1})), false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"IPv6 family with IPv4 length", successFor(t, tx, rawAttrBytes(stun.AttrXORMappedAddress, []byte{0, 2, 0x10, 0x20, 1, 2, 3, 4})), false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"unknown family", successFor(t, tx, rawAttrBytes(stun.AttrMappedAddress, []byte{0, 3, 0x10, 0x20, 1, 2, 3, 4})), false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"zero address", successFor(t, tx, plainMapped(mustAP("0.0.0.0:5"))), false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"attribute past the end", cut, false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"length field beyond the datagram", good[:len(good)-4], false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"trailing bytes", append(append([]byte(nil), good...), 0, 0, 0, 0), false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"a request", request.Raw, false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"another method", refresh.Raw, false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"Allocate success (a knock granted)", allocated.Raw, true, mapped, true, netip.AddrPort{}, 0},
		{"Allocate 401 (a knock answered)", unauthorized.Raw, true, netip.AddrPort{}, false, netip.AddrPort{}, 401},
		{"error code out of range", errorFor(t, tx, 200, "OK?"), false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"empty", nil, false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
		{"HTTP", []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), false, netip.AddrPort{}, false, netip.AddrPort{}, 0},
	} {
		r, err := parseResponse(tc.b)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if !tc.ok {
			continue
		}
		if r.tx != tx || r.mapped != tc.mapped || r.xor != tc.xor || r.other != tc.other || r.errorCode != tc.errCode {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
}

func TestParseResponseMalformedOtherAddressIsIgnored(t *testing.T) {
	tx := txID{9}
	b := successFor(t, tx, xorMapped(mustAP("203.0.113.7:1")), rawAttrBytes(stun.AttrOtherAddress, []byte{0, 1, 0, 1}))
	r, err := parseResponse(b)
	if err != nil || r.other.IsValid() {
		t.Fatalf("got %+v, %v: a broken optional attribute should just be absent", r, err)
	}
}

func TestErrorReasonIsClipped(t *testing.T) {
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'x'
	}
	long[3] = 0x1b // an escape: a server must not drive the user's terminal
	r, err := parseResponse(errorFor(t, txID{}, 500, string(long)))
	if err != nil {
		t.Fatal(err)
	}
	if len([]rune(r.errorReason)) > maxReasonLen+1 || r.errorReason[3] != '?' {
		t.Errorf("reason %q", r.errorReason)
	}
}

// FuzzParseResponse: whatever a server or a middlebox sends, parsing never
// panics, and an accepted success response has a real address.
func FuzzParseResponse(f *testing.F) {
	tx := txID{1, 2, 3}
	f.Add(successFor(f, tx, xorMapped(mustAP("203.0.113.7:40000")), otherAddress(mustAP("198.51.100.2:3479"))))
	f.Add(successFor(f, tx, plainMapped(mustAP("[2001:db8::1]:9"))))
	f.Add(errorFor(f, tx, 420, "Unknown Attribute"))
	f.Add(successFor(f, tx, rawAttrBytes(stun.AttrXORMappedAddress, []byte{0, 1, 0x10})))
	f.Add([]byte{})
	f.Add([]byte{0x01, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x20, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseResponse(b)
		if err != nil {
			return
		}
		if r.errorCode == 0 && (!r.mapped.IsValid() || r.mapped.Port() == 0 || r.mapped.Addr().IsUnspecified()) {
			t.Errorf("accepted a success without a usable address: %+v", r)
		}
		if r.errorCode != 0 && (r.errorCode < 300 || r.errorCode > 699) {
			t.Errorf("error code %d", r.errorCode)
		}
	})
}

func TestNewBindingRequest(t *testing.T) {
	a, err := newBindingRequest(changeIP | changePort)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newBindingRequest(0)
	if a.TransactionID == b.TransactionID {
		t.Error("two requests share a transaction ID")
	}
	m := new(stun.Message)
	if err := stun.Decode(a.Raw, m); err != nil {
		t.Fatal(err)
	}
	v, err := m.Get(stun.AttrChangeRequest)
	if err != nil || binary.BigEndian.Uint32(v) != 6 || stun.Fingerprint.Check(m) != nil || m.Type != stun.BindingRequest {
		t.Errorf("request %s: change %x %v", m, v, err)
	}
}

// FuzzReadFrame: a TCP or TLS stream of any bytes is cut into frames or
// refused, never read past a frame's bound, never a panic.
func FuzzReadFrame(f *testing.F) {
	f.Add(successFor(f, txID{1}, xorMapped(mustAP("203.0.113.7:1"))))
	f.Add([]byte("HTTP/1.1 200 OK\r\n\r\n"))
	f.Add([]byte{0, 1, 0xff, 0xff, 0x21, 0x12, 0xa4, 0x42})
	f.Fuzz(func(t *testing.T, b []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(b), maxFrame)
		for range 64 {
			frame, err := readFrame(br)
			if err != nil {
				return
			}
			if len(frame) < headerSize || len(frame) > maxFrame {
				t.Fatalf("frame of %d bytes", len(frame))
			}
			_, _ = parseResponse(frame)
		}
	})
}

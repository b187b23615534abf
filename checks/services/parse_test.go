package services

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestConnectionRequest(t *testing.T) {
	// The bytes Windows' client sends without a cookie (MS-RDPBCGR 4.1.1
	// shows the same structure with one), asking for TLS, CredSSP and
	// CredSSP with early authorization.
	want := "030000130ee000000000000100080003000000"
	want = want[:len(want)-8] + "0b000000"
	if got := hex.EncodeToString(connectionRequest(clientProtocols)); got != want {
		t.Errorf("request = %s, want %s", got, want)
	}
	requested, err := readConnectionRequest(bytes.NewReader(connectionRequest(protoSSL)))
	if err != nil || requested != protoSSL {
		t.Errorf("the test server reads %x, %v", requested, err)
	}
}

func TestReadConfirm(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string // hex
		want rdpConfirm
		err  string
	}{
		// Captured from xrdp 0.9.21 asked for 0x0b: TLS selected,
		// EXTENDED_CLIENT_DATA_SUPPORTED.
		{"xrdp TLS", "030000130ed000001234000201080001000000", rdpConfirm{Negotiated: true, Selected: protoSSL, Flags: 1}, ""},
		// Captured from xrdp asked for CredSSP only: standard RDP security.
		{"xrdp RDP", "030000130ed000001234000201080000000000", rdpConfirm{Negotiated: true, Selected: protoRDP, Flags: 1}, ""},
		{"CredSSP", "030000130ed00000000000020f080002000000", rdpConfirm{Negotiated: true, Selected: protoHybrid, Flags: 0x0f}, ""},
		{"NLA required", "030000130ed000000000000300080005000000", rdpConfirm{Negotiated: true, Failure: true, FailureCode: failHybridRequired}, ""},
		{"legacy", "0300000b06d00000000000", rdpConfirm{}, ""},
		{"disconnect", "0300000b06800000000000", rdpConfirm{Disconnect: true}, ""},
		{"http", hex.EncodeToString([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")), rdpConfirm{}, "a web server"},
		{"ssh", hex.EncodeToString([]byte("SSH-2.0-OpenSSH_9.2\r\n")), rdpConfirm{}, "an SSH server"},
		{"tls alert", "15030100020228", rdpConfirm{}, "a TLS server"},
		{"bad length", "030000ff06d0", rdpConfirm{}, "unexpected EOF"},
		{"tiny length", "0300000406d0000000000000", rdpConfirm{}, "not an RDP answer"},
		{"huge length", "0300ffff06d0000000000000", rdpConfirm{}, "not an RDP answer"},
		{"LI too long", "0300000b20d00000000000", rdpConfirm{}, "not an RDP answer"},
		{"bad neg length", "030000130ed000000000000200090002000000", rdpConfirm{}, "not an RDP answer"},
		{"bad neg type", "030000130ed000000000000900080002000000", rdpConfirm{}, "not an RDP answer"},
		{"short neg", "0300000e09d00000000000020008", rdpConfirm{}, "not an RDP answer"},
		{"empty", "", rdpConfirm{}, "EOF"},
		{"one byte", "03", rdpConfirm{}, "unexpected EOF"},
	} {
		b, _ := hex.DecodeString(tc.in)
		got, err := readConfirm(bytes.NewReader(b))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && !reflect.DeepEqual(got, tc.want):
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestRDPWords(t *testing.T) {
	for p := uint32(0); p <= 0x20; p++ {
		if protocolName(p) == "" || protocolKey(p) == "" {
			t.Errorf("protocol %x unnamed", p)
		}
	}
	for code := uint32(0); code <= 7; code++ {
		if w, _ := failureWords(code); w == "" || failureKey(code) == "" {
			t.Errorf("failure %d unnamed", code)
		}
	}
	if w, retries := failureWords(failHybridRequired); !retries || !strings.Contains(w, "Network Level Authentication") {
		t.Errorf("HYBRID_REQUIRED_BY_SERVER: %q %v", w, retries)
	}
}

// FuzzReadConfirm: whatever a server sends, the parser returns a confirm
// or an error, never panics, and never reads past one TPKT.
func FuzzReadConfirm(f *testing.F) {
	for _, s := range []string{"030000130ed000001234000201080001000000", "0300000b06d00000000000", "0300000b06800000000000",
		"030000130ed000000000000300080005000000", "485454502f312e31", "0300ffff", ""} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		c, err := readConfirm(r)
		if read := len(b) - r.Len(); read > maxTPKT+64 {
			t.Fatalf("read %d bytes", read)
		}
		if err == nil && c.Failure && !c.Negotiated {
			t.Fatalf("a failure without negotiation: %+v", c)
		}
		if err == nil {
			w, _ := failureWords(c.FailureCode)
			_ = protocolName(c.Selected) + protocolKey(c.Selected) + w
		}
	})
}

func TestReadSSHIdent(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want sshIdent
		err  bool
	}{
		{"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", sshIdent{Proto: "2.0", Software: "OpenSSH_9.2p1", Comments: "Debian-2+deb12u3"}, false},
		{"SSH-1.99-Cisco-1.25\r\n", sshIdent{Proto: "1.99", Software: "Cisco-1.25"}, false},
		{"SSH-2.0-dropbear_2022.83\n", sshIdent{Proto: "2.0", Software: "dropbear_2022.83"}, false},
		{"Welcome to the bastion\r\nAuthorized use only\r\nSSH-2.0-OpenSSH_8.0\r\n", sshIdent{Proto: "2.0", Software: "OpenSSH_8.0"}, false},
		{"SSH-1.5-old\r\n", sshIdent{Proto: "1.5", Software: "old"}, false},
		{"SSH-2.0-\r\n", sshIdent{}, true},
		{"SSH-x-y\r\n", sshIdent{}, true},
		{"HTTP/1.1 400 Bad Request\r\n", sshIdent{}, true},
		{strings.Repeat("x", 300) + "\r\n", sshIdent{}, true},
		{strings.Repeat("hello\r\n", 30), sshIdent{}, true},
		{"SSH-2.0-trunc", sshIdent{}, true},
	} {
		got, err := readSSHIdent(bufio.NewReader(strings.NewReader(tc.in)))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%q: %+v, %v", tc.in, got, err)
		}
	}
	if !(sshIdent{Proto: "1.99"}).v2() || (sshIdent{Proto: "1.5"}).v2() {
		t.Error("v2")
	}
}

// FuzzReadSSHIdent: any server lines give an identification with a
// version and software, or an error; reading is bounded.
func FuzzReadSSHIdent(f *testing.F) {
	for _, s := range []string{"SSH-2.0-OpenSSH_9.2p1 Debian\r\n", "banner\r\nSSH-1.99-x\r\n", "SSH-", "\n\n\n", "HTTP/1.0 200"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		id, err := readSSHIdent(bufio.NewReaderSize(r, 1024))
		if err == nil && (id.Proto == "" || id.Software == "") {
			t.Fatalf("%+v", id)
		}
		if read := len(b) - r.Len(); read > (maxSSHPreamble+1)*(maxSSHLine+2)+1024 {
			t.Fatalf("read %d bytes", read)
		}
	})
}

func TestReadSMTPReply(t *testing.T) {
	in := "250-mail.corp.test greets you\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
	rep, err := readSMTPReply(bufio.NewReader(strings.NewReader(in)))
	if err != nil || rep.Code != 250 || len(rep.Lines) != 4 || !rep.has("starttls") || rep.has("AUTH") || rep.text() != "mail.corp.test greets you" {
		t.Fatalf("%+v, %v", rep, err)
	}
	for _, tc := range []struct{ in, err string }{
		{"220 ok\r\n", ""},
		{"220\r\n", ""},
		{"554 5.7.1 no service\r\n", ""},
		{"250-a\r\n251 b\r\n", "not an SMTP reply"},
		{"* OK IMAP ready\r\n", "not an SMTP reply"},
		{"2200 x\r\n", "not an SMTP reply"},
		{"099 x\r\n", "not an SMTP reply"},
		{"-12 x\r\n", "not an SMTP reply"},
		{"250-a\r\n", "EOF"},
		{strings.Repeat("250-x\r\n", maxReplyLines+1), "not an SMTP reply"},
		{"220 " + strings.Repeat("x", maxSMTPLine+10) + "\r\n", "not an SMTP reply"},
	} {
		_, err := readSMTPReply(bufio.NewReader(strings.NewReader(tc.in)))
		if (tc.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.err)
		}
	}
}

// FuzzReadSMTPReply: a reply has one code in 200..599 and its lines, or
// an error.
func FuzzReadSMTPReply(f *testing.F) {
	for _, s := range []string{"220 x\r\n", "250-a\r\n250 b\r\n", "554\n", "250-", "* OK"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := readSMTPReply(bufio.NewReader(bytes.NewReader(b)))
		if err == nil && (rep.Code < 200 || rep.Code > 599 || len(rep.Lines) == 0) {
			t.Fatalf("%+v", rep)
		}
		_ = rep.has("STARTTLS")
	})
}

func TestIMAP(t *testing.T) {
	g, err := parseIMAPGreeting("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] Dovecot (Debian) ready.")
	if err != nil || g.Status != "OK" || g.Text != "Dovecot (Debian) ready." || !hasCap(g.Caps, "starttls") {
		t.Errorf("%+v %v", g, err)
	}
	for _, in := range []string{"* PREAUTH welcome", "* BYE too many connections", "* ok lower case"} {
		if _, err := parseIMAPGreeting(in); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	for _, in := range []string{"220 smtp", "+ go", "* NO", "*OK", ""} {
		if _, err := parseIMAPGreeting(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	res, err := readIMAPResult(bufio.NewReader(strings.NewReader("* CAPABILITY IMAP4rev1 STARTTLS\r\n* OK still here\r\na1 OK [CAPABILITY IDLE] done\r\n")), "a1")
	if err != nil || res.Status != "OK" || !hasCap(res.Caps, "STARTTLS") || !hasCap(res.Caps, "IDLE") || res.Text != "done" {
		t.Errorf("%+v %v", res, err)
	}
	for _, in := range []string{"a2 OK wrong tag\r\n", "a1 MAYBE\r\n", "* x\r\n", strings.Repeat("* x\r\n", maxReplyLines+1)} {
		if _, err := readIMAPResult(bufio.NewReader(strings.NewReader(in)), "a1"); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// FuzzIMAP: greetings and tagged results parse or fail, never panic.
func FuzzIMAP(f *testing.F) {
	for _, s := range []string{"* OK [CAPABILITY IMAP4rev1] hi", "* BYE", "a1 OK [x", "* CAPABILITY\r\na1 NO\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if g, err := parseIMAPGreeting(s); err == nil && g.Status == "" {
			t.Fatalf("%+v", g)
		}
		if r, err := readIMAPResult(bufio.NewReader(strings.NewReader(s)), "a1"); err == nil && r.Status == "" {
			t.Fatalf("%+v", r)
		}
	})
}

func TestReadLine(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader(strings.Repeat("y", 5000)+"\nok\r\nend"), 16)
	if _, err := readLine(br, 100); !errors.Is(err, errLongLine) {
		t.Errorf("long line: %v", err)
	}
	br = bufio.NewReaderSize(strings.NewReader(strings.Repeat("z", 40)+"\r\nend"), 16)
	if l, err := readLine(br, 100); err != nil || len(l) != 40 {
		t.Errorf("%q %v", l, err)
	}
	if _, err := readLine(br, 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("partial: %v", err)
	}
}

func TestICADetect(t *testing.T) {
	for _, b := range [][]byte{[]byte("\x7f\x7fICA\x00"), []byte("\x07\x07ICA\x00\x07\x07ICA\x00")} {
		if !icaDetect(b) {
			t.Errorf("%q not detected", b)
		}
	}
	for _, b := range [][]byte{[]byte("\x7f\x07ICA\x00"), []byte("ICA"), []byte("\x7f\x7fIC"), nil} {
		if icaDetect(b) {
			t.Errorf("%q detected", b)
		}
	}
}

// FuzzSniff: naming a protocol never panics.
func FuzzSniff(f *testing.F) {
	f.Add([]byte("HTTP/1.1"))
	f.Fuzz(func(t *testing.T, b []byte) { _ = sniff(b) + boolWord(icaDetect(b)) })
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

package services

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Line-based protocols (SSH's identification, SMTP and IMAP) are read
// through readLine, which bounds every line, so that a server that sends
// an endless line or endless lines cannot make the probe hold unbounded
// memory; the probe's deadline bounds the time.

// errLongLine is a line longer than the protocol allows.
var errLongLine = errors.New("a line longer than the protocol allows")

// readLine reads one line ending in LF (CR before it dropped) of at most
// max bytes. At EOF with a partial line it returns io.ErrUnexpectedEOF.
func readLine(r *bufio.Reader, max int) (string, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max+2 {
			return "", errLongLine
		}
		switch {
		case err == nil:
			return string(bytes.TrimRight(line, "\r\n")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return "", io.ErrUnexpectedEOF
		default:
			return "", err
		}
	}
}

// SSH identification (RFC 4253, section 4.2): the server sends
// "SSH-protoversion-softwareversion SP comments CR LF", at most 255
// characters, and may send other lines before it.
const (
	maxSSHLine = 255
	// maxSSHPreamble bounds the lines before the identification; OpenSSH's
	// client gives up after 1024, and a real server sends none or a few.
	maxSSHPreamble = 20
)

// sshIdent is a server's identification.
type sshIdent struct {
	// Proto is the protocol version: "2.0", "1.99" (2.0 with 1.x
	// compatibility) or an older one.
	Proto string
	// Software is the software version ("OpenSSH_9.2p1"), Comments the
	// rest ("Debian-2+deb12u3").
	Software, Comments string
}

// v2 reports whether the server speaks SSH 2, which every current client
// needs.
func (s sshIdent) v2() bool { return s.Proto == "2.0" || s.Proto == "1.99" }

// notSSHError is a server whose first lines hold no SSH identification;
// First is the first line, cleaned, for debugging.
type notSSHError struct{ First []byte }

func (e *notSSHError) Error() string { return "not an SSH identification" }

// readSSHIdent reads the server's lines up to its identification.
func readSSHIdent(r *bufio.Reader) (sshIdent, error) {
	var first []byte
	for range maxSSHPreamble + 1 {
		line, err := readLine(r, maxSSHLine)
		if err != nil {
			if errors.Is(err, errLongLine) || first != nil {
				return sshIdent{}, &notSSHError{First: first}
			}
			return sshIdent{}, err
		}
		if first == nil {
			first = []byte(line)
		}
		if strings.HasPrefix(line, "SSH-") {
			return parseSSHIdent(line)
		}
		if sniff(first) != "" {
			// A web, TLS or mail server: no identification will follow.
			return sshIdent{}, &notSSHError{First: first}
		}
	}
	return sshIdent{}, &notSSHError{First: first}
}

// parseSSHIdent parses one identification line.
func parseSSHIdent(line string) (sshIdent, error) {
	rest, ok := strings.CutPrefix(line, "SSH-")
	if !ok {
		return sshIdent{}, &notSSHError{First: []byte(line)}
	}
	proto, rest, ok := strings.Cut(rest, "-")
	if !ok || proto == "" || strings.Trim(proto, "0123456789.") != "" {
		return sshIdent{}, &notSSHError{First: []byte(line)}
	}
	software, comments, _ := strings.Cut(rest, " ")
	if software == "" {
		return sshIdent{}, &notSSHError{First: []byte(line)}
	}
	return sshIdent{Proto: proto, Software: software, Comments: comments}, nil
}

// SMTP replies (RFC 5321, section 4.2): "250-text" lines continue a reply,
// "250 text" (or "250" alone) ends it; every line carries the same code.
const (
	// maxSMTPLine: RFC 5321 allows 512 octets per reply line; Exchange
	// and others send longer EHLO lines now and then.
	maxSMTPLine = 2048
	// maxReplyLines bounds one reply: an EHLO lists a few dozen
	// extensions at most.
	maxReplyLines = 100
)

// smtpReply is one reply.
type smtpReply struct {
	Code  int
	Lines []string // the text after each code, without it
}

// text is the reply's first line, for people.
func (r smtpReply) text() string {
	if len(r.Lines) == 0 {
		return ""
	}
	return r.Lines[0]
}

// has reports whether an EHLO reply lists extension ext (its first word,
// any case).
func (r smtpReply) has(ext string) bool {
	for _, l := range r.Lines {
		if w, _, _ := strings.Cut(strings.TrimSpace(l), " "); strings.EqualFold(w, ext) {
			return true
		}
	}
	return false
}

// notSMTPError is a reply that is not SMTP's.
type notSMTPError struct{ First []byte }

func (e *notSMTPError) Error() string { return "not an SMTP reply" }

// readSMTPReply reads one reply.
func readSMTPReply(r *bufio.Reader) (smtpReply, error) {
	var rep smtpReply
	for i := 0; i < maxReplyLines; i++ {
		line, err := readLine(r, maxSMTPLine)
		if err != nil {
			if errors.Is(err, errLongLine) {
				return smtpReply{}, &notSMTPError{}
			}
			return smtpReply{}, err
		}
		code, more, text, ok := splitSMTPLine(line)
		if !ok || (i > 0 && code != rep.Code) {
			return smtpReply{}, &notSMTPError{First: []byte(line)}
		}
		rep.Code = code
		rep.Lines = append(rep.Lines, text)
		if !more {
			return rep, nil
		}
	}
	return smtpReply{}, &notSMTPError{}
}

// splitSMTPLine splits "250-text" or "250 text" or "250".
func splitSMTPLine(line string) (code int, more bool, text string, ok bool) {
	if len(line) < 3 {
		return 0, false, "", false
	}
	n, err := strconv.Atoi(line[:3])
	if err != nil || n < 200 || n > 599 || line[0] == '+' || line[0] == '-' {
		return 0, false, "", false
	}
	switch {
	case len(line) == 3:
		return n, false, "", true
	case line[3] == '-':
		return n, true, line[4:], true
	case line[3] == ' ':
		return n, false, line[4:], true
	}
	return 0, false, "", false
}

// IMAP (RFC 9051, RFC 3501): the server greets with "* OK", "* PREAUTH"
// or "* BYE"; commands are tagged and answered by untagged lines and the
// tagged "tag OK|NO|BAD".
const maxIMAPLine = 8192

// imapGreeting is the server's first line.
type imapGreeting struct {
	// Status is OK, PREAUTH or BYE.
	Status string
	// Text is the rest, without a response code.
	Text string
	// Caps are capabilities given in a [CAPABILITY ...] response code.
	Caps []string
}

// notIMAPError is a line that is not IMAP's.
type notIMAPError struct{ First []byte }

func (e *notIMAPError) Error() string { return "not an IMAP greeting" }

// parseIMAPGreeting parses the greeting line.
func parseIMAPGreeting(line string) (imapGreeting, error) {
	rest, ok := strings.CutPrefix(line, "* ")
	if !ok {
		return imapGreeting{}, &notIMAPError{First: []byte(line)}
	}
	status, text, _ := strings.Cut(rest, " ")
	status = strings.ToUpper(status)
	if status != "OK" && status != "PREAUTH" && status != "BYE" {
		return imapGreeting{}, &notIMAPError{First: []byte(line)}
	}
	g := imapGreeting{Status: status, Text: text}
	if code, after, ok := responseCode(text); ok {
		g.Text = after
		if words := strings.Fields(code); len(words) > 0 && strings.EqualFold(words[0], "CAPABILITY") {
			g.Caps = words[1:]
		}
	}
	return g, nil
}

// responseCode splits "[CODE ...] text" into its code and the text.
func responseCode(text string) (code, after string, ok bool) {
	if !strings.HasPrefix(text, "[") {
		return "", text, false
	}
	end := strings.IndexByte(text, ']')
	if end < 0 {
		return "", text, false
	}
	return text[1:end], strings.TrimSpace(text[end+1:]), true
}

// imapResult is what a tagged command got: its capabilities (from an
// untagged CAPABILITY line or a response code) and its tagged status.
type imapResult struct {
	Status string // OK, NO or BAD
	Text   string
	Caps   []string
}

// readIMAPResult reads the answer to the command tagged tag: untagged
// lines, then the tagged completion.
func readIMAPResult(r *bufio.Reader, tag string) (imapResult, error) {
	var res imapResult
	for range maxReplyLines {
		line, err := readLine(r, maxIMAPLine)
		if err != nil {
			if errors.Is(err, errLongLine) {
				return imapResult{}, &notIMAPError{}
			}
			return imapResult{}, err
		}
		if rest, ok := strings.CutPrefix(line, "* "); ok {
			word, caps, _ := strings.Cut(rest, " ")
			if strings.EqualFold(word, "CAPABILITY") {
				res.Caps = append(res.Caps, strings.Fields(caps)...)
			}
			continue
		}
		rest, ok := strings.CutPrefix(line, tag+" ")
		if !ok {
			return imapResult{}, &notIMAPError{First: []byte(line)}
		}
		status, text, _ := strings.Cut(rest, " ")
		res.Status = strings.ToUpper(status)
		if res.Status != "OK" && res.Status != "NO" && res.Status != "BAD" {
			return imapResult{}, &notIMAPError{First: []byte(line)}
		}
		if code, after, ok := responseCode(text); ok {
			text = after
			if words := strings.Fields(code); len(words) > 0 && strings.EqualFold(words[0], "CAPABILITY") {
				res.Caps = append(res.Caps, words[1:]...)
			}
		}
		res.Text = text
		return res, nil
	}
	return imapResult{}, fmt.Errorf("more than %d lines before the answer to %s", maxReplyLines, tag)
}

// hasCap reports whether caps holds c, any case.
func hasCap(caps []string, c string) bool {
	for _, x := range caps {
		if strings.EqualFold(x, c) {
			return true
		}
	}
	return false
}

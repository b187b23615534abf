package services

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
)

// clientIdent is what the probe says back after the server's
// identification, as a client does (RFC 4253, section 4.2), so that the
// server logs a client that left rather than a broken one.
const clientIdent = "SSH-2.0-wfh_check\r\n"

// probeSSH reads the server's identification line.
func (p *prober) probeSSH(ctx context.Context, r *result) {
	port := r.Svc.End.Port
	d, ok := p.connect(ctx, r, port)
	if !ok {
		return
	}
	defer d.conn.Close()
	defer closeOnDone(ctx, d.conn)()
	deadline(ctx, d.conn)
	id, err := readSSHIdent(bufio.NewReaderSize(io.LimitReader(d.conn, 64<<10), 1024))
	if err != nil {
		p.env.Debugf("%s: SSH identification: %v", r.Svc.Name, err)
		what := fmt.Sprintf("something answers on port %d, but it is not an SSH server", port)
		var ns *notSSHError
		switch {
		case errors.As(err, &ns) && sniff(ns.First) != "":
			r.Out, r.Detail = outNotService, what+" (it answered like "+sniff(ns.First)+")"
		case errors.As(err, &ns):
			r.Out, r.Detail = outNotService, what+" (its first line is not an SSH identification)"
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			r.Out, r.Detail = outNotService, what+" (it closed the connection without an SSH identification)"
		default:
			out, detail := p.answerErr(ctx, err)
			switch out {
			case outStalled:
				r.Out, r.Detail = outNotService, what+" (it accepted the connection and sent no SSH identification)"
			case outClosed:
				r.Out, r.Detail = outNotService, what+" (it closed the connection without an SSH identification)"
			default:
				r.Out, r.Detail = out, detail
			}
		}
		return
	}
	_, _ = io.WriteString(d.conn, clientIdent)
	software := cleanWord(id.Software, 60)
	r.attr("server", software)
	r.attr("ssh_protocol", cleanWord(id.Proto, 10))
	if !id.v2() {
		r.Out = outRejected
		r.Answer = fmt.Sprintf("SSH server (%s), but it speaks only SSH %s", software, cleanWord(id.Proto, 10))
		r.Detail = "the server speaks only the obsolete SSH protocol " + cleanWord(id.Proto, 10) + ", which current clients refuse"
		return
	}
	r.Out, r.Answer = outOK, "SSH server ("+software+")"
}

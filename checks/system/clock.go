package system

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

const (
	// defaultNTPServer is the public NTP pool, which answers from servers
	// near the user; profiles point at the company's own server instead.
	defaultNTPServer = "pool.ntp.org"
	// defaultTimeURL is a widely reachable HTTPS site whose Date header is
	// kept accurate, for networks that block NTP.
	defaultTimeURL = "https://www.google.com/"

	// ntpTimeout: a healthy NTP exchange takes well under 300 ms even on a
	// loaded home link; 2 s tolerates a bad link without making an offline
	// or NTP-blocked run slow.
	ntpTimeout = 2 * time.Second
	// httpDateTimeout: one TLS handshake and a HEAD request, which on a slow
	// link take a second or two.
	httpDateTimeout = 2500 * time.Millisecond

	// clockWarn: a synchronised clock is within milliseconds; 2 s off means
	// time sync is broken, and one-time codes and meeting joins start to
	// fail at a few seconds.
	clockWarn = 2 * time.Second
	// clockFail: Kerberos (Active Directory, MIT krb5) rejects sign-ins when
	// the clock is more than 5 minutes off, its default maximum skew.
	clockFail = 5 * time.Minute
)

// clockReading is the measured clock offset, or why there is none.
type clockReading struct {
	measured bool
	// offset is how far the local clock is from true time: positive when
	// the local clock is behind (true time = local + offset).
	offset time.Duration
	// uncertainty is how wrong offset may be: half the round trip for NTP,
	// plus the Date header's one-second resolution for the fallback.
	uncertainty time.Duration
	source      string // "NTP pool.ntp.org", "HTTP Date of https://…"
	notMeasured string // why not, when !measured
}

// measureClock asks the NTP server and, only if that fails, the Date header.
func measureClock(ctx context.Context, env *checks.Env) clockReading {
	server, timeURL := defaultNTPServer, defaultTimeURL
	if env.Profile != nil {
		if s := env.Profile.System.NTPServer; s != "" {
			server = s
		}
		if u := env.Profile.System.TimeURL; u != "" {
			timeURL = u
		}
	}
	now := env.Clock()
	dialer := env.Dialer
	if dialer == nil {
		dialer = &net.Dialer{}
	}

	nctx, cancel := context.WithTimeout(ctx, ntpTimeout)
	s, ntpErr := querySNTP(nctx, dialer, now, ntpAddress(server))
	cancel()
	if ntpErr == nil {
		return clockReading{measured: true, offset: s.Offset, uncertainty: s.RTT / 2, source: "NTP " + server}
	}
	env.Debugf("ntp %s: %v", server, ntpErr)
	if ctx.Err() != nil {
		return clockReading{notMeasured: "the check ran out of time"}
	}

	hctx, cancel := context.WithTimeout(ctx, httpDateTimeout)
	defer cancel()
	off, unc, httpErr := httpDateOffset(hctx, env.HTTP, now, timeURL)
	if httpErr == nil {
		return clockReading{measured: true, offset: off, uncertainty: unc, source: "HTTP Date of " + timeURL}
	}
	env.Debugf("http date %s: %v", timeURL, httpErr)
	return clockReading{notMeasured: fmt.Sprintf("the time server %s did not answer and %s gave no usable time", server, timeURL)}
}

// httpDateOffset compares the local clock with a web server's Date header.
// The header has one-second resolution and is truncated, so the server's time
// when it wrote it lies in [Date, Date+1s): the midpoint is the estimate.
func httpDateOffset(ctx context.Context, client *http.Client, now func() time.Time, url string) (offset, uncertainty time.Duration, err error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("time URL %s: %w", url, err)
	}
	t1 := now()
	resp, err := client.Do(req)
	t4 := now()
	if err != nil {
		return 0, 0, err
	}
	resp.Body.Close()
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return 0, 0, fmt.Errorf("no valid Date header: %w", err)
	}
	rtt := t4.Sub(t1)
	mid := t1.Add(rtt / 2)
	offset = date.Add(500 * time.Millisecond).Sub(mid)
	return offset, 500*time.Millisecond + rtt/2, nil
}

// applyClock adds the clock's metric, fact and verdict to res.
func applyClock(res *checks.Result, c clockReading) {
	if res.Facts == nil {
		res.Facts = map[string]string{}
	}
	if !c.measured {
		res.Metrics = append(res.Metrics, report.NotMeasured(report.KeyClockOffsetSeconds, "s", c.notMeasured))
		checks.AddFindings(res, checks.Conclusion{Severity: report.Pass,
			Message: "The clock was not compared with a time server: " + c.notMeasured + "."})
		return
	}
	res.Metrics = append(res.Metrics,
		report.Measured(report.KeyClockOffsetSeconds, round3(c.offset.Seconds()), "s"),
		report.Measured("clock_offset_uncertainty_seconds", round3(c.uncertainty.Seconds()), "s"))
	res.Facts["clock_source"] = c.source

	// Judge only the part of the offset the measurement can vouch for, so a
	// coarse Date header never warns about a clock that may be right.
	sure := absDuration(c.offset) - c.uncertainty
	dir := "behind"
	if c.offset < 0 {
		dir = "ahead"
	}
	msg := fmt.Sprintf("Your clock is %s %s.", humanOffset(absDuration(c.offset)), dir)
	fix := "Turn on \"Set time automatically\" (Windows: Settings > Time & language; macOS: System Settings > General > Date & Time), then sign in again."
	switch {
	case sure >= clockFail:
		checks.AddFindings(res, checks.Conclusion{Severity: report.Fail,
			Message: msg + " Sign-ins to company systems (Kerberos, VPN certificates) fail when the clock is more than 5 minutes off.", Fix: fix})
	case sure >= clockWarn:
		checks.AddFindings(res, checks.Conclusion{Severity: report.Warn,
			Message: msg + " Sign-in codes and meeting links can fail with a wrong clock.", Fix: fix})
	}
}

func humanOffset(d time.Duration) string {
	switch {
	case d >= 2*time.Hour:
		return fmt.Sprintf("%.1f hours", d.Hours())
	case d >= 2*time.Minute:
		return fmt.Sprintf("%.0f minutes", d.Minutes())
	default:
		return fmt.Sprintf("%.1f seconds", d.Seconds())
	}
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

package report

// Known carries the machine's own identifiers, which redaction
// (report/redact) must find in free text, and what it must leave alone.
type Known struct {
	Hostname string
	User     string // login name
	HomeDir  string // e.g. /home/alice, /Users/alice, C:\Users\alice
	// Keep lists addresses and names the profile or wfh's own defaults name
	// (a corporate VPN gateway, 8.8.8.8): never redacted, because the reader
	// of the ticket already knows them and needs to see them.
	Keep []string
}

// RedactedHostname and RedactedUser are what redaction puts in Host.Hostname
// and Host.User. A renderer that names the machine in a header leaves them
// out there, as "[hostname]" tells the reader nothing.
const (
	RedactedHostname = "[hostname]"
	RedactedUser     = "[user]"
)

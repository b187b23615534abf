package speedserver

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// CongestionError says why the congestion control asked for cannot be
// used. Its message reads on after the flag's name: "--congestion" + " " +
// Error().
type CongestionError struct {
	Name string
	// Available lists what the system offers, when known.
	Available []string
	// Allowed lists what an unprivileged program may choose, when known.
	Allowed []string
	Err     error
}

func (e *CongestionError) Error() string {
	switch {
	case errors.Is(e.Err, errNoCongestion):
		return fmt.Sprintf("%q: choosing the congestion control works on Linux only; leave the flag out to use the system's default", e.Name)
	case errors.Is(e.Err, errCongestionUnknown):
		return fmt.Sprintf("%q is not an algorithm this system offers; choose one of: %s, or system for the system's default", e.Name, strings.Join(e.Available, ", "))
	case errors.Is(e.Err, syscall.EPERM) || errors.Is(e.Err, syscall.EACCES):
		allowed := "none listed"
		if len(e.Allowed) > 0 {
			allowed = strings.Join(e.Allowed, ", ")
		}
		return fmt.Sprintf("%q is not allowed for this user (allowed: %s); run wfh serve as root, add it to the sysctl net.ipv4.tcp_allowed_congestion_control, or choose system", e.Name, allowed)
	}
	return fmt.Sprintf("%q cannot be set on the server's socket (%v); choose another, or system for the system's default", e.Name, e.Err)
}

func (e *CongestionError) Unwrap() error { return e.Err }

// errCongestionUnknown: the name is not in the system's list.
var errCongestionUnknown = errors.New("not available")

// congestionRefused wraps the error of setting algo on a socket.
func congestionRefused(algo string, err error) error {
	avail, _ := availableCongestion()
	allowed, _ := allowedCongestion()
	return &CongestionError{Name: algo, Available: avail, Allowed: allowed, Err: err}
}

// checkCongestion refuses a congestion control the system does not offer,
// before any socket is opened. "system" is always fine.
func checkCongestion(name string) error {
	if name == "system" {
		return nil
	}
	if name == "" || len(name) > 15 || strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) {
		avail, _ := availableCongestion()
		return &CongestionError{Name: name, Available: avail, Err: errCongestionUnknown}
	}
	avail, err := availableCongestion()
	if err != nil {
		// Not Linux, or no /proc: let the socket option decide at Listen.
		if errors.Is(err, errNoCongestion) {
			return &CongestionError{Name: name, Err: errNoCongestion}
		}
		return nil
	}
	for _, a := range avail {
		if a == name {
			return nil
		}
	}
	return &CongestionError{Name: name, Available: avail, Err: errCongestionUnknown}
}

// parseCongestionList reads /proc/sys/net/ipv4/tcp_*_congestion_control:
// names separated by spaces on one line.
func parseCongestionList(s string) []string {
	return strings.Fields(s)
}

// errNoCongestion: only Linux lets a program pick the algorithm per socket
// (TCP_CONGESTION); elsewhere the system's default serves.
var errNoCongestion = errors.New("choosing the algorithm per socket needs Linux")

package services

import (
	"fmt"
	"strings"

	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/profile"
)

// service is one entry of the profile's services list, read.
type service struct {
	// Key names it in the profile ("services[2]"), for fixes.
	Key string
	// Name, Kind and Via are as written (Via defaulted to "any").
	Name, Kind, Via string
	// Raw is the address as written, cleaned for display; empty for an
	// avd entry without one.
	Raw string
	// End is where it is; zero when Problem is set.
	End profile.Endpoint
	// Problem says why the entry cannot be used. The profile loader
	// refuses such entries, so this is for profiles built another way.
	Problem string
}

// readServices returns the profile's services, each usable or with its
// problem; at most profile.MaxServices, and how many were left out.
func readServices(p *profile.Profile) ([]service, int) {
	if p == nil {
		return nil, 0
	}
	var out []service
	for i, s := range p.Services {
		if i >= profile.MaxServices {
			return out, len(p.Services) - profile.MaxServices
		}
		svc := service{
			Key:  fmt.Sprintf("services[%d]", i),
			Name: probeutil.CleanText(s.Name, 60),
			Kind: strings.TrimSpace(s.Kind),
			Via:  strings.TrimSpace(s.ViaOrDefault()),
			Raw:  probeutil.CleanText(s.Address, 200),
		}
		if svc.Name == "" {
			svc.Name = fmt.Sprintf("service %d", i+1)
		}
		e, err := s.Endpoint()
		switch {
		case !contains(profile.ServiceKinds, svc.Kind):
			svc.Problem = fmt.Sprintf("has the kind %q, which wfh does not know", probeutil.CleanText(svc.Kind, 30))
		case !contains(profile.ServiceVias, svc.Via):
			svc.Problem = fmt.Sprintf("has via %q; it must be vpn, direct or any", probeutil.CleanText(svc.Via, 30))
		case err != nil:
			svc.Problem = "has an address that " + err.Error()
		default:
			svc.End = e
		}
		out = append(out, svc)
	}
	return out, 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// kindWords names a kind for people.
func kindWords(kind string) string {
	switch kind {
	case profile.KindHTTPS:
		return "web service"
	case profile.KindRDP:
		return "remote desktop"
	case profile.KindRDGateway:
		return "Remote Desktop Gateway"
	case profile.KindAVD:
		return "Azure Virtual Desktop"
	case profile.KindSSH:
		return "SSH server"
	case profile.KindSMTP:
		return "mail server (sending)"
	case profile.KindIMAP:
		return "mail server (receiving)"
	case profile.KindCitrix:
		return "Citrix gateway"
	case profile.KindTCP:
		return "TCP port"
	}
	return kind
}

// NamedHosts implements checks.HostNamer: the hosts the profile's
// services name, which the report keeps unredacted: IT named them, and the
// agent needs them verbatim.
func (*check) NamedHosts(p *profile.Profile) []string {
	svcs, _ := readServices(p)
	var out []string
	for _, s := range svcs {
		if s.End.Host != "" {
			out = append(out, s.End.Host)
		}
	}
	return out
}

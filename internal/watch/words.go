package watch

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The words of events and of the summary: plain language for the
// teleworker, precise enough for the helpdesk.

// placeWords says where something starts, in a sentence: "at your
// router: Wi-Fi".
func placeWords(l Level, kind string) string {
	switch l {
	case LevelHome:
		switch kind {
		case "wifi":
			return "at your router: Wi-Fi"
		case "wired":
			return "at your router or its cable"
		}
		return "at your router (Wi-Fi or cable)"
	case LevelProvider:
		return "at your internet provider"
	case LevelBeyond:
		return "beyond your internet provider"
	}
	return "past your router (at the provider or beyond)"
}

// shortDur is a duration for a sentence: "0.4 s", "41 s", "4 min 12 s",
// "2 h 5 min".
func shortDur(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s < 0:
		return "0 s"
	case s < 10:
		return strconv.FormatFloat(math.Round(s*10)/10, 'f', -1, 64) + " s"
	case s < 120:
		return strconv.Itoa(int(math.Round(s))) + " s"
	case s < 2*3600:
		t := int(math.Round(s))
		if t%60 == 0 {
			return fmt.Sprintf("%d min", t/60)
		}
		return fmt.Sprintf("%d min %d s", t/60, t%60)
	}
	t := int(math.Round(s / 60))
	if t%60 == 0 {
		return fmt.Sprintf("%d h", t/60)
	}
	return fmt.Sprintf("%d h %d min", t/60, t%60)
}

func outageWords(l Level, kind string, d time.Duration) string {
	switch l {
	case LevelHome:
		return "Outage of " + shortDur(d) + " " + placeWords(l, kind) + ": not even the router answered."
	case LevelProvider:
		return "Outage of " + shortDur(d) + " " + placeWords(l, kind) + ": your router answered, nothing past it did."
	case LevelBeyond:
		return "Outage of " + shortDur(d) + " " + placeWords(l, kind) + ": your provider's router answered, nothing past it did."
	}
	return "Outage of " + shortDur(d) + " " + placeWords(l, kind) + ": nothing on the internet answered."
}

func lossWords(l Level, kind string, pct float64, d time.Duration) string {
	where := placeWords(l, kind)
	if l == LevelUnknown {
		where = "(where it starts could not be told)"
	}
	return fmt.Sprintf("Loss burst of %s %s: %s %% of round trips lost.", shortDur(d), where, strconv.FormatFloat(math.Round(pct), 'f', -1, 64))
}

func spikeWords(l Level, kind string, rise float64, d time.Duration) string {
	if math.IsNaN(rise) {
		return "Latency spike of " + shortDur(d) + " " + placeWords(l, kind) + "."
	}
	return fmt.Sprintf("Latency spike of %s %s: round trips %s ms above normal.", shortDur(d), placeWords(l, kind),
		strconv.FormatFloat(math.Round(rise), 'f', -1, 64))
}

func dnsWords(lookup *rungEntry, d time.Duration) string {
	server := lookup.Addr.String()
	return "The DNS server " + server + " did not answer lookups of " + lookup.Name + " for " + shortDur(d) +
		", while the way to it worked: names did not resolve."
}

func vpnWords(target *rungEntry, gone, open bool, d time.Duration) string {
	what := "The company's target " + target.Label + " did not answer through the VPN for " + shortDur(d) + " while the internet did"
	switch {
	case gone:
		what += ": the VPN's tunnel went down"
	case open:
		what += "; it had not come back when the watch ended"
	default:
		what += ", then it reconnected"
	}
	return what + "."
}

func noRouteWords(d time.Duration, open bool) string {
	if open {
		return "No default route for " + shortDur(d) + ", until the watch ended: this computer had no way to the internet."
	}
	return "No default route for " + shortDur(d) + ": this computer had no way to the internet (the connection dropped or its settings changed)."
}

// kindWords names a connection kind.
func kindWords(kind string) string {
	switch kind {
	case "wifi":
		return "Wi-Fi"
	case "wired":
		return "wired"
	case "tunnel":
		return "a tunnel (VPN)"
	case "":
		return "a connection"
	}
	return kind
}

// pathWords describes a default path: "Wi-Fi (wlan0) via 192.168.1.1".
func pathWords(s State) string {
	w := kindWords(s.Kind)
	if s.Interface != "" {
		w += " (" + s.Interface + ")"
	}
	if s.Gateway.IsValid() {
		w += " via " + s.Gateway.String()
	}
	if s.FullTunnel != "" {
		w += ", all traffic through the VPN (" + s.FullTunnel + ")"
	}
	return w
}

func channelWords(l WiFiLink) string {
	var parts []string
	if l.Channel != 0 {
		parts = append(parts, "channel "+strconv.Itoa(l.Channel))
	}
	if l.Band != "" {
		parts = append(parts, l.Band)
	}
	if len(parts) == 0 {
		return "an unknown channel"
	}
	return strings.Join(parts, ", ")
}

func roamWords(from, to WiFiLink) string {
	w := "The Wi-Fi moved to another access point"
	if from.Channel != to.Channel || from.Band != to.Band {
		w += " (" + channelWords(from) + " to " + channelWords(to) + ")"
	}
	return w + "."
}

func signalWords(min float64, d time.Duration) string {
	return fmt.Sprintf("The Wi-Fi signal dropped for %s, down to %s dBm (calls need -67 dBm or better).", shortDur(d),
		strconv.FormatFloat(math.Round(min), 'f', -1, 64))
}

func sleepWords(d time.Duration) string {
	return "The computer was asleep for " + shortDur(d) + ": not watched, and not counted as an outage."
}

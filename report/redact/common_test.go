package redact

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/render"
)

// ordinaryTexts are what checks write on real machines: OS, architecture,
// product and vendor names, and the words of wfh's own advice. A machine or
// account that happens to share one of these words ("debian" is Debian's
// default host name, "pi" Raspberry Pi OS's user) must not garble them.
var ordinaryTexts = []string{
	"Debian GNU/Linux 12 (bookworm)",
	"Ubuntu 24.04.1 LTS",
	"Fedora Linux 40 (Workstation Edition)",
	"Raspbian GNU/Linux 12 on a Raspberry Pi 4 Model B",
	"Kali GNU/Linux Rolling, Arch Linux, Linux Mint 21",
	"macOS 14.5 on a MacBook Pro (Mac15,3); iMac and Mac mini too",
	"Microsoft Windows 11 Pro on a Dell Latitude laptop, an HP desktop PC",
	"linux/amd64, darwin/arm64, windows/386",
	"kernel 6.1.0-18-amd64",
	"Run the terminal as administrator (admin rights), or as root; root cause: user settings",
	"the guest network, the default profile, the owner of the account",
	"localhost answers; 127.0.0.1 localhost.localdomain",
	"Intel Wi-Fi 6 AX201, Realtek audio, Apple FaceTime HD camera, Logitech webcam",
	"On a Mac, open System Settings; on a PC, open Settings",
	"pi: 3.14, pc: 2, a PC's fan",
}

// collidingHosts and collidingUsers are real default names (installers,
// images, vendors) that are also words in the texts above.
var (
	collidingHosts = []string{"debian", "ubuntu", "raspberrypi", "fedora", "localhost", "linux", "kali",
		"mac", "macbook", "imac", "desktop", "laptop", "pc", "pi", "windows", "apple", "dell", "hp", "x"}
	collidingUsers = []string{"linux", "user", "admin", "administrator", "guest", "root", "pi", "mac",
		"ubuntu", "debian", "windows", "owner", "default", "apple", "intel", "amd64", "x86_64", "arm64", "kali", "a"}
)

func ordinaryReport(hostname, user string) report.Report {
	facts := map[string]string{"os_name": "Debian GNU/Linux", "hostname": hostname, "user": user}
	var findings []report.Finding
	for _, s := range ordinaryTexts {
		findings = append(findings, report.Finding{Severity: report.Warn, Message: s, Fix: s})
	}
	return report.Report{
		SchemaVersion: report.SchemaVersion,
		Host:          report.Host{OS: "linux", Arch: "amd64", Hostname: hostname, User: user},
		Results: []report.Result{{ID: "system", Title: "System basics", Status: report.Warn,
			Summary: strings.Join(ordinaryTexts, " | "), Findings: findings, Facts: facts,
			Items: []report.Item{{Label: "Raspberry Pi camera", Kind: "camera", Status: report.Warn, Summary: "linux/amd64",
				Attributes: map[string]string{"model": "MacBook Pro", "os": "Ubuntu"}}}}},
	}
}

// TestRedactWordSafeNames: a host or user name that is also an OS,
// architecture, product or vendor word is replaced in the fields that
// carry it and in paths, but never inside the ordinary text around it; a
// name of one or two letters is never replaced inside words either.
func TestRedactWordSafeNames(t *testing.T) {
	for _, name := range collidingHosts {
		r := ordinaryReport(name, "jdoe")
		out := Redact(r, report.Known{Hostname: name, User: "jdoe", HomeDir: "/home/jdoe"})
		checkOrdinary(t, "host "+name, out)
		if out.Host.Hostname != "[hostname]" || out.Results[0].Facts["hostname"] != "[redacted]" {
			t.Errorf("host %q: host field %q, fact %q", name, out.Host.Hostname, out.Results[0].Facts["hostname"])
		}
		// Where the name is certainly the machine's, it goes; but
		// localhost is every machine's name, even there.
		if name == "localhost" {
			continue
		}
		k := report.Known{Hostname: name}
		runRedactCases(t, k, []textCase{
			{`share \\` + name + `\public`, `share \\[hostname]\public`},
			{"mdns " + name + ".local answers", "mdns [hostname].local answers"},
			{"smb://" + name + "/docs", "smb://[hostname]/docs"},
			{"ssh " + name + ".lan:22", "ssh [hostname].lan:22"},
			// a domain that merely starts with the word is someone else's
			{"https://" + name + ".org/x", "https://" + name + ".org/x"},
		})
	}
	for _, name := range collidingUsers {
		r := ordinaryReport("jdoe-laptop", name)
		out := Redact(r, report.Known{Hostname: "jdoe-laptop", User: name})
		checkOrdinary(t, "user "+name, out)
		if out.Host.User != "[user]" || out.Results[0].Facts["user"] != "[redacted]" {
			t.Errorf("user %q: user field %q, fact %q", name, out.Host.User, out.Results[0].Facts["user"])
		}
		runRedactCases(t, report.Known{User: name}, []textCase{
			{"log /home/" + name + "/x.log", "log /home/[user]/x.log"},
			{"in /Users/" + name, "in /Users/[user]"},
			{`in C:\Users\` + name + `\AppData`, `in C:\Users\[user]\AppData`},
			{`"c:\\users\\` + name + `\\x"`, `"c:\\users\\[user]\\x"`},
		})
		runRedactCases(t, report.Known{User: name, HomeDir: "/home/" + name}, []textCase{
			{"log /home/" + name + "/x.log", "log ~/x.log"},
		})
	}
}

// checkOrdinary fails unless every ordinary text survived in every field
// and renderer.
func checkOrdinary(t *testing.T, who string, out report.Report) {
	t.Helper()
	res := out.Results[0]
	if res.Summary != strings.Join(ordinaryTexts, " | ") {
		t.Errorf("%s: summary became %q", who, res.Summary)
	}
	for i, f := range res.Findings {
		if f.Message != ordinaryTexts[i] || f.Fix != ordinaryTexts[i] {
			t.Errorf("%s: %q became %q", who, ordinaryTexts[i], f.Message)
		}
	}
	if out.Host.OS != "linux" || res.Facts["os_name"] != "Debian GNU/Linux" || res.Items[0].Label != "Raspberry Pi camera" ||
		res.Items[0].Summary != "linux/amd64" || res.Items[0].Attributes["model"] != "MacBook Pro" {
		t.Errorf("%s: os %q, os_name %q, item %+v", who, out.Host.OS, res.Facts["os_name"], res.Items[0])
	}
	for _, f := range render.Formats() {
		for _, verbose := range []bool{false, true} {
			var b bytes.Buffer
			if err := render.Render(&b, out, f, render.Options{Unicode: true, Verbose: verbose}); err != nil {
				t.Fatal(err)
			}
			text := b.String()
			for _, bad := range []string{"[hostname] GNU", "[user]/amd64", "linux/[user]", "[hostname]/amd64", "[user] GNU",
				"Raspberry [", "MacBook [", "as [user]", "as [hostname]", "[user] cause", "[redacted] GNU", "[redacted] Pro"} {
				if strings.Contains(text, bad) {
					t.Errorf("%s, %s (verbose %v): %q in\n%s", who, f, verbose, bad, text)
					break
				}
			}
			if !strings.Contains(text, "Debian GNU/Linux 12") || !strings.Contains(text, "linux/amd64") {
				t.Errorf("%s, %s (verbose %v): the OS names are gone", who, f, verbose)
			}
		}
	}
}

// TestRedactRealNamesStillGo: a name that is not an ordinary word is
// replaced as a whole token wherever it appears, even when it is made of
// ordinary words ("jdoe-laptop", "Johns-MacBook-Pro").
func TestRedactRealNamesStillGo(t *testing.T) {
	for _, host := range []string{"jdoe-laptop", "Johns-MacBook-Pro", "DESKTOP-4F2K9QL", "debian-jdoe"} {
		runRedactCases(t, report.Known{Hostname: host + ".corp.example", User: "jdoe"}, []textCase{
			{host + " is up; " + strings.ToUpper(host) + " answers", "[hostname] is up; [hostname] answers"},
			{"from " + host + ".corp.example on linux/amd64", "from [hostname] on linux/amd64"},
			{"jdoe's " + host + " in /home/jdoe", "[user]'s [hostname] in /home/[user]"},
			// the words it is made of are not the name
			{"a laptop, a MacBook Pro, a desktop", "a laptop, a MacBook Pro, a desktop"},
		})
	}
}

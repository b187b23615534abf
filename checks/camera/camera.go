// Package camera implements the "camera" check: does the computer see a
// camera, may the user open it, and is another app holding it? "My camera
// isn't seen" is among the first calls a helpdesk gets from teleworkers;
// the answer is usually a cable, a privacy shutter, a missing group
// membership on Linux, or a call app that still has the camera.
//
// The verdict here is OS-independent; each OS answers a small probe
// interface (probe.go), chosen by newProbe in a per-OS file. Linux reads
// sysfs and asks each device node with VIDIOC_QUERYCAP, macOS runs
// system_profiler, Windows runs PowerShell's Get-PnpDevice.
package camera

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/report"
)

const (
	// budget: system_profiler SPCameraDataType takes 1–3 s (it wakes the
	// camera subsystem) and PowerShell 1–3 s to start and run its CIM
	// query; Linux answers in milliseconds. 5 s covers the slow OSes on a
	// loaded machine.
	budget = 5 * time.Second

	// cmdTimeout bounds one command: it covers system_profiler or
	// PowerShell on a loaded machine and still ends inside the budget, with
	// time left to say which command hung.
	cmdTimeout = 4 * time.Second

	// margin: the check ends itself this long before its budget, so that it
	// reports what hung instead of the runner reporting a timeout.
	margin = 250 * time.Millisecond
)

type check struct {
	probe probe
}

// New returns the camera check for the OS wfh was built for.
func New() checks.Check { return &check{probe: newProbe()} }

func (*check) ID() string            { return "camera" }
func (*check) Title() string         { return "Camera" }
func (*check) Budget() time.Duration { return budget }
func (*check) Needs() checks.Needs {
	return checks.Needs{Uses: []checks.Resource{checks.LocalDevices}}
}

func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	if env == nil {
		env = &checks.Env{}
	}
	s, err := probeutil.Bounded(ctx, env, budget-margin, "its cameras", func(ctx context.Context) (scan, error) {
		return c.probe.cameras(ctx, env)
	})
	return verdict(env, s, err)
}

// noCamera is the summary when no usable camera is found: the three things
// that hide a camera most often, in the order to try them.
const noCamera = "No camera found: plug it in, check the privacy switch or shutter, close other video apps"

// mediaServices are processes (as /proc/PID/comm names them, cut to 15
// bytes) that open cameras on behalf of apps: PipeWire shares a camera
// between sandboxed apps, so its holding one is no conflict.
var mediaServices = []string{"pipewire", "wireplumber"}

func isMediaService(comm string) bool {
	for _, s := range mediaServices {
		if strings.HasPrefix(comm, s) {
			return true
		}
	}
	return false
}

// verdict turns what the probe found into the check's result.
func verdict(env *checks.Env, s scan, err error) checks.Result {
	var res checks.Result
	var v checks.Verdict
	if err != nil {
		if errors.Is(err, errUnsupported) {
			v.Default(report.Skipped, fmt.Sprintf("listing cameras is not available on %s yet", checks.DisplayOS(env.OS)))
			v.Apply(&res)
			return res
		}
		// Not the user's fault, and not a verdict on the camera either: the
		// list could not be read, which is different from an empty list.
		why := strings.TrimSuffix(err.Error(), ".")
		v.Add(checks.Conclusion{Severity: report.Error, Summary: "could not read the cameras: " + why,
			Message: "Could not read the cameras: " + why + "."})
		v.Apply(&res)
		res.Metrics = []report.Metric{report.NotMeasured("cameras", "", "the camera list could not be read")}
		return res
	}
	if s.Source != "" {
		res.Facts = map[string]string{"camera_source": s.Source}
	}
	required := env.Profile != nil && env.Profile.Camera.Required

	var usable, other []camera
	labels := uniqueLabels(s.Cameras)
	var found []report.Finding
	for i, c := range s.Cameras {
		item, fs := assess(c, labels[i])
		res.Items = append(res.Items, item)
		if c.usable() {
			usable = append(usable, c)
			found = append(found, fs...)
		} else {
			other = append(other, c)
		}
	}
	res.Metrics = []report.Metric{
		report.Measured("cameras", float64(len(usable)), ""),
		report.Measured("other_cameras", float64(len(other)), ""),
	}

	if len(usable) == 0 {
		f := checks.Conclusion{
			Severity: report.Warn,
			Summary:  noCamera,
			Message:  "No camera found.",
			Fix:      "Plug the camera in (or try another USB port), open its privacy shutter or switch (some laptops have a key or slider that disconnects it), and close other video apps.",
		}
		if len(other) > 0 {
			f.Message = "No camera found that can be used for video calls: " + describeOthers(other) + "."
		}
		if required {
			// The organisation depends on video: a missing camera stops the
			// user's work, so it fails instead of warning.
			f.Severity = report.Fail
			f.Message += " Your organisation's profile requires a camera."
		}
		v.Add(f)
	}
	for _, f := range found {
		// A problem's message is short enough to be the summary.
		v.Add(checks.Conclusion{Severity: f.Severity, Message: f.Message, Fix: f.Fix, Summary: strings.TrimSuffix(f.Message, ".")})
	}
	for _, n := range s.Notes {
		v.Note(n)
	}
	v.Default(report.Pass, listSummary(usable, other, labels, s.Cameras))
	v.Apply(&res)
	return res
}

// assess builds a camera's report item and the findings about it.
func assess(c camera, label string) (report.Item, []report.Finding) {
	item := report.Item{Label: label, Kind: "camera", Status: report.Pass, Attributes: attributes(c)}
	var found []report.Finding
	var states []string
	switch {
	case c.Connection == connVirtual:
		states = append(states, "virtual camera: it shows what an app feeds it")
	case c.Infrared:
		states = append(states, "infrared camera for face sign-in, not for video calls")
	case c.Connection != "":
		states = append(states, c.Connection+" camera")
	}
	if !c.usable() {
		item.Summary = strings.Join(states, "; ")
		return item, nil
	}

	if d := c.Denied; d != nil {
		item.Status = report.Warn
		states = append(states, "you may not open it")
		found = append(found, denialFinding(c, label, d))
	}
	if c.Fault != nil {
		item.Status = report.Warn
		states = append(states, strings.TrimSuffix(c.Fault.Msg, "."))
		found = append(found, report.Finding{Severity: report.Warn, Message: c.Fault.Msg, Fix: c.Fault.Fix})
	}
	var apps, services []string
	for _, h := range c.HeldBy {
		if isMediaService(h.Comm) {
			services = append(services, h.Comm)
		} else {
			apps = append(apps, h.Comm)
		}
	}
	apps, services = dedupe(apps), dedupe(services)
	if len(apps) > 0 {
		item.Status = report.Warn
		who := strings.Join(apps, ", ")
		states = append(states, "in use by "+who)
		found = append(found, report.Finding{
			Severity: report.Warn,
			Message:  fmt.Sprintf("%s is in use by %s.", label, who),
			Fix:      fmt.Sprintf("Quit %s (or end its call) before using the camera in another app: most cameras serve one app at a time.", who),
		})
	}
	if len(services) > 0 {
		states = append(states, "open in "+strings.Join(services, ", "))
		found = append(found, report.Finding{
			Severity: report.Pass,
			Message: fmt.Sprintf("%s is open in %s, the desktop's media service, which shares it between apps; an app using it through %s cannot be named.",
				label, strings.Join(services, ", "), services[0]),
		})
	}
	if c.OSStatus != "" && strings.EqualFold(c.OSStatus, "unknown") {
		states = append(states, "Windows does not report its state")
	}
	item.Summary = strings.Join(states, "; ")
	return item, found
}

// denialFinding words a permission problem, with the group that fixes it.
func denialFinding(c camera, label string, d *denial) report.Finding {
	node := d.Node
	if node == "" {
		node = c.Node
	}
	const askIT = "Ask IT to give your account access to the camera: on most systems, membership of the 'video' group."
	named := d.Group != "" && !strings.HasPrefix(d.Group, "GID ")
	f := report.Finding{Severity: report.Warn}
	switch {
	case !d.Known:
		// The file could not be examined; the group nearly every
		// distribution uses is the best advice.
		f.Message = fmt.Sprintf("You may not use %s: opening %s was refused.", label, node)
		f.Fix = groupFix("video")
	case named && d.GroupAllows && d.Listed:
		f.Message = fmt.Sprintf("You may not use %s yet: you were added to the '%s' group, but this login session started before that.", label, d.Group)
		f.Fix = "Log out and in again (or restart the computer) so that the new group takes effect."
	case named && d.GroupAllows && d.Member:
		f.Message = fmt.Sprintf("Opening %s was refused although you are in the '%s' group: a security policy (AppArmor, SELinux) or an app sandbox blocks it.", node, d.Group)
		f.Fix = "If wfh runs as a Snap or Flatpak, try an ordinary install; otherwise ask IT which policy blocks the camera."
	case named && d.GroupAllows:
		f.Message = fmt.Sprintf("You may not use %s: %s is open only to the '%s' group, and you are not in it.", label, node, d.Group)
		f.Fix = groupFix(d.Group)
	default:
		f.Message = fmt.Sprintf("You may not use %s: %s does not let you open it (%s).", label, node, d.mode())
		f.Fix = askIT
	}
	return f
}

// groupFix is the command that adds the user to a group; the session must
// be restarted because groups are fixed at login.
func groupFix(group string) string {
	return fmt.Sprintf("Add yourself to the '%s' group (sudo usermod -aG %s $USER), then log out and in.", group, group)
}

// mode renders the permission bits as ls shows them for a character
// device ("crw-rw----").
func (d *denial) mode() string {
	const rwx = "rwxrwxrwx"
	b := []byte("c---------")
	for i := range 9 {
		if d.Perm&(1<<(8-i)) != 0 {
			b[i+1] = rwx[i]
		}
	}
	return string(b)
}

// attributes are the camera's facts for the report item.
func attributes(c camera) map[string]string {
	a := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set("connection", c.Connection)
	set("driver", c.Driver)
	set("bus", c.Bus)
	set("device_node", c.Node)
	if len(c.Nodes) > 1 {
		set("device_nodes", strings.Join(c.Nodes, ", "))
	}
	set("model_id", c.ModelID)
	set("vendor_id", c.VendorID)
	set("product_id", c.ProductID)
	set("manufacturer", c.Manufacturer)
	set("class", c.Class)
	set("device_status", c.OSStatus)
	// The name the device gives itself when it carries its owner's name;
	// "device_name" is a key redaction always removes.
	set("device_name", c.OwnerName)
	if c.Infrared {
		a["infrared"] = "yes"
	}
	var held []string
	for _, h := range c.HeldBy {
		held = append(held, h.Comm+" (PID "+strconv.Itoa(h.PID)+")")
	}
	set("held_by", strings.Join(held, ", "))
	if len(a) == 0 {
		return nil
	}
	return a
}

// uniqueLabels returns a label per camera: its name, made unique with the
// device node or a number when two cameras share one (two identical
// webcams, or a device with two picture sources).
func uniqueLabels(cams []camera) []string {
	count := map[string]int{}
	for _, c := range cams {
		count[c.Name]++
	}
	seen := map[string]int{}
	labels := make([]string, len(cams))
	for i, c := range cams {
		labels[i] = c.Name
		if count[c.Name] < 2 {
			continue
		}
		seen[c.Name]++
		if c.Node != "" {
			labels[i] = c.Name + " (" + c.Node + ")"
		} else {
			labels[i] = c.Name + " #" + strconv.Itoa(seen[c.Name])
		}
	}
	return labels
}

// listSummary names the usable cameras and how each is connected.
func listSummary(usable, other []camera, labels []string, all []camera) string {
	var parts []string
	for i, c := range all {
		if !c.usable() {
			continue
		}
		p := labels[i]
		if c.Connection != "" {
			p += " (" + c.Connection + ")"
		}
		parts = append(parts, p)
	}
	s := "1 camera: "
	if len(usable) != 1 {
		s = strconv.Itoa(len(usable)) + " cameras: "
	}
	s += strings.Join(parts, ", ")
	if len(other) > 0 {
		s += "; also " + describeOthers(other)
	}
	return s
}

// describeOthers names the cameras that cannot serve a call on their own.
func describeOthers(other []camera) string {
	var virtual, ir []string
	for _, c := range other {
		if c.Connection == connVirtual {
			virtual = append(virtual, c.Name)
		} else {
			ir = append(ir, c.Name)
		}
	}
	var parts []string
	switch len(virtual) {
	case 0:
	case 1:
		parts = append(parts, "a virtual camera ("+virtual[0]+")")
	default:
		parts = append(parts, "virtual cameras ("+strings.Join(virtual, ", ")+")")
	}
	switch len(ir) {
	case 0:
	case 1:
		parts = append(parts, "an infrared sign-in camera ("+ir[0]+")")
	default:
		parts = append(parts, "infrared sign-in cameras ("+strings.Join(ir, ", ")+")")
	}
	return strings.Join(parts, " and ")
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

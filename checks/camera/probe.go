package camera

import (
	"context"
	"errors"
	"strings"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// probe is the only OS-specific part of the check: it lists the cameras the
// OS sees, and camera.go turns the list into a verdict. An error means the
// list could not be read at all; it never means "no camera", which is an
// empty list with a nil error.
type probe interface {
	cameras(ctx context.Context, env *checks.Env) (scan, error)
}

// scan is what a probe found.
type scan struct {
	Cameras []camera
	// Source names where the list came from, for whoever reads the report
	// ("sysfs and VIDIOC_QUERYCAP", "system_profiler SPCameraDataType -json").
	Source string
	// Notes are things the reader should know about the list, such as what
	// the OS does not tell (which app holds a camera on macOS).
	Notes []string
}

// Connection kinds, as shown in the report's "connection" attribute.
const (
	connUSB        = "USB"
	connBuiltIn    = "built-in"
	connContinuity = "continuity"
	connVirtual    = "virtual"
)

// camera is one camera as the OS lists it. Empty fields are unknown.
type camera struct {
	// Name is what apps show in their camera menu.
	Name string
	// Connection is one of the conn* kinds, or "" when the OS does not say.
	Connection string
	// Infrared marks a Windows Hello style IR camera: it is listed, but it
	// cannot be used for video calls.
	Infrared bool
	Driver   string
	// Bus is the driver's bus address ("usb-0000:00:14.0-1").
	Bus string
	// Node is the device file apps open (/dev/video0), Linux only; Nodes
	// are all its capture nodes when there are several.
	Node  string
	Nodes []string
	// ModelID is what macOS calls the model ("UVC Camera VendorID_1133
	// ProductID_2141", "iPhone15,2").
	ModelID string
	// VendorID and ProductID are USB IDs in four-digit lower-case hex.
	VendorID     string
	ProductID    string
	Manufacturer string
	// Class and OSStatus are Windows' device class ("Camera", "Image") and
	// device status ("OK", "Error", "Degraded", "Unknown").
	Class    string
	OSStatus string
	// OwnerName is set for cameras whose own name embeds a person's name
	// (a Continuity Camera is called after the phone, "Jane's iPhone"); the
	// verdict then labels the camera by its kind and keeps this name in an
	// attribute that redaction removes.
	OwnerName string

	// Denied is set when the user may not open the camera (Linux).
	Denied *denial
	// HeldBy lists the processes that have the camera open (Linux).
	HeldBy []holder
	// Fault is a problem the OS reports with the camera itself.
	Fault *fault
}

// usable reports whether the camera can serve a video call: virtual cameras
// show whatever an app feeds them, infrared ones only serve face sign-in.
func (c camera) usable() bool { return c.Connection != connVirtual && !c.Infrared }

// denial says why the user may not open a camera's device file.
type denial struct {
	Node string
	// Known is false when the file's owner and mode could not be read.
	Known bool
	// Group is the name of the group owning the device file ("video"),
	// "GID n" when /etc/group does not name it, "" for root's group.
	Group string
	// GroupAllows is true when that group may read and write the file.
	GroupAllows bool
	// Member is true when this session is in Group: the refusal then
	// comes from a security policy, not the mode.
	Member bool
	// Listed is true when /etc/group lists the user in Group but this
	// session does not have it yet: the change needs a new login.
	Listed bool
	// Perm is the file's permission bits.
	Perm uint32
}

// holder is a process that has a camera open.
type holder struct {
	PID  int
	Comm string // the process name from /proc/PID/comm ("zoom")
}

// fault is a problem with the device itself, in the user's words, and the
// OS-specific next step.
type fault struct {
	Msg string
	Fix string
}

// errUnsupported is returned by the probe of an OS wfh cannot read cameras
// on; the check is then skipped, not failed.
var errUnsupported = errors.New("not available on this OS yet")

// unsupportedProbe serves every OS without a probe of its own. It lives here
// rather than in probe_other.go so that it is built and tested everywhere.
type unsupportedProbe struct{}

func (unsupportedProbe) cameras(context.Context, *checks.Env) (scan, error) {
	return scan{}, errUnsupported
}

// virtualNames are substrings (lower case) of the names software cameras
// give themselves. They are listed so the report can tell the reader that a
// "camera" is an app, not hardware: a machine whose only camera is virtual
// has no working camera unless that app is running and feeding it.
var virtualNames = []string{
	"virtual", // OBS Virtual Camera, XSplit VCam's "Virtual Camera", many more
	"obs-camera",
	"snap camera",
	"manycam",
	"mmhmm",
	"xsplit",
	"nvidia broadcast",
	"camo",
	"droidcam",
	"epoccam",
	"dummy video device", // v4l2loopback's default card name
}

// looksVirtual reports whether a name belongs to a software camera.
func looksVirtual(name string) bool {
	n := strings.ToLower(name)
	for _, v := range virtualNames {
		if strings.Contains(n, v) {
			return true
		}
	}
	return false
}

// looksInfrared reports whether a name is that of an infrared sign-in camera
// ("Integrated IR Camera", "HP IR Camera", "Infrared Camera").
func looksInfrared(name string) bool {
	n := " " + strings.ToLower(name) + " "
	return strings.Contains(n, " ir camera") || strings.Contains(n, "infrared") || strings.Contains(n, " ir ")
}

// maxText bounds one name or attribute: USB string descriptors hold at most
// 126 characters and real camera names are a few dozen, so anything longer
// is corrupt or hostile and must not flood a report pasted in a ticket.
const maxText = 160

// clean is probeutil.CleanText bounded by maxText.
func clean(s string) string { return probeutil.CleanText(s, maxText) }

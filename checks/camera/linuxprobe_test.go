package camera

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

func file(data string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(data), Mode: 0o444} }

func link(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
}

// Sysfs directories of the machines below, laid out as Linux 6.x does.
const (
	xhci      = "sys/devices/pci0000:00/0000:00:14.0/usb3"
	laptopUSB = xhci + "/3-8" // the built-in camera, on an internal port
	irUSB     = xhci + "/3-9" // its infrared sign-in camera
	brioUSB   = xhci + "/3-2" // a webcam on a front port
	ipu6      = "sys/devices/pci0000:00/0000:00:05.0"
)

// addNode adds /sys/class/video4linux/videoN, a link to the node's real
// directory under its device (parent is the device directory, "" for a
// v4l2loopback node under /sys/devices/virtual).
func addNode(m fstest.MapFS, n int, parent, name string, index int) {
	node := fmt.Sprintf("video%d", n)
	real := "sys/devices/virtual/video4linux/" + node
	if parent != "" {
		real = parent + "/video4linux/" + node
		m[real+"/device"] = link("../../../" + path.Base(parent))
	}
	m["sys/class/video4linux/"+node] = link("../../" + strings.TrimPrefix(real, "sys/"))
	m[real+"/name"] = file(name + "\n")
	m[real+"/index"] = file(fmt.Sprintf("%d\n", index))
	m[real+"/uevent"] = file(fmt.Sprintf("MAJOR=81\nMINOR=%d\nDEVNAME=%s\n", n, node))
}

// addUSB adds a USB device and its video interface bound to uvcvideo, and
// returns the interface directory.
func addUSB(m fstest.MapFS, dir, vendor, product, name, manufacturer, removable string) string {
	m[dir+"/idVendor"] = file(vendor + "\n")
	m[dir+"/idProduct"] = file(product + "\n")
	if name != "" {
		m[dir+"/product"] = file(name + "\n")
	}
	if manufacturer != "" {
		m[dir+"/manufacturer"] = file(manufacturer + "\n")
	}
	m[dir+"/removable"] = file(removable + "\n")
	iface := dir + "/" + path.Base(dir) + ":1.0"
	m[iface+"/uevent"] = file("DEVTYPE=usb_interface\nDRIVER=uvcvideo\nPRODUCT=" + vendor + "/" + product + "/1\n")
	return iface
}

// laptop is a laptop with a built-in camera and its IR camera, a Logitech
// BRIO on a front port and OBS's v4l2loopback camera. Zoom holds the BRIO
// and PipeWire the built-in camera.
func laptop() fstest.MapFS {
	m := fstest.MapFS{
		"sys/class/video4linux/v4l-subdev0": link("../../devices/virtual/video4linux/v4l-subdev0"),
		"etc/group":                         file("root:x:0:\nvideo:x:44:\nplugdev:x:46:alice\n"),
		"proc/1234/comm":                    file("zoom\n"),
		"proc/1234/fd/3":                    link("/dev/null"),
		"proc/1234/fd/27":                   link("/dev/video4"),
		"proc/1234/fd/28":                   link("/dev/video4"),
		"proc/2000/comm":                    file("pipewire\n"),
		"proc/2000/fd/40":                   link("/dev/video0"),
		"proc/2001/comm":                    file("bash\n"),
		"proc/2001/fd/0":                    link("/dev/pts/0"),
		"proc/self":                         link("2001"),
	}
	builtIn := addUSB(m, laptopUSB, "04f2", "b6dd", "Integrated Camera", "Chicony Electronics Co.,Ltd.", "fixed")
	addNode(m, 0, builtIn, "Integrated Camera: Integrated C", 0)
	addNode(m, 1, builtIn, "Integrated Camera: Integrated C", 1)
	ir := addUSB(m, irUSB, "04f2", "b6de", "Integrated IR Camera", "Chicony Electronics Co.,Ltd.", "fixed")
	addNode(m, 2, ir, "Integrated IR Camera: Integrat", 0)
	addNode(m, 3, ir, "Integrated IR Camera: Integrat", 1)
	brio := addUSB(m, brioUSB, "046d", "085e", "Logitech BRIO", "", "removable")
	addNode(m, 4, brio, "Logitech BRIO", 0)
	addNode(m, 5, brio, "Logitech BRIO", 1)
	addNode(m, 10, "", "OBS Virtual Camera", 0)
	return m
}

type queryAnswer struct {
	buf []byte
	err error
}

// laptopQueries are the VIDIOC_QUERYCAP answers of the laptop's nodes.
func laptopQueries() map[string]queryAnswer {
	return map[string]queryAnswer{
		"/dev/video0":  {buf: capBuf("uvcvideo", "Integrated Camera: Integrated C", "usb-0000:00:14.0-8", kernel6_1, uvcDeviceCaps, uvcCaptureNode)},
		"/dev/video1":  {buf: capBuf("uvcvideo", "Integrated Camera: Integrated C", "usb-0000:00:14.0-8", kernel6_1, uvcDeviceCaps, uvcMetaNode)},
		"/dev/video2":  {buf: capBuf("uvcvideo", "Integrated IR Camera: Integrat", "usb-0000:00:14.0-9", kernel6_1, uvcDeviceCaps, uvcCaptureNode)},
		"/dev/video3":  {buf: capBuf("uvcvideo", "Integrated IR Camera: Integrat", "usb-0000:00:14.0-9", kernel6_1, uvcDeviceCaps, uvcMetaNode)},
		"/dev/video4":  {buf: capBuf("uvcvideo", "Logitech BRIO", "usb-0000:00:14.0-2", kernel6_1, uvcDeviceCaps, uvcCaptureNode)},
		"/dev/video5":  {buf: capBuf("uvcvideo", "Logitech BRIO", "usb-0000:00:14.0-2", kernel6_1, uvcDeviceCaps, uvcMetaNode)},
		"/dev/video10": {buf: capBuf("v4l2 loopback", "OBS Virtual Camera", "platform:v4l2loopback-010", kernel6_1, 0x85200003, 0x05200003)},
	}
}

// fakeKernel answers the probe's three kernel calls from tables.
type fakeKernel struct {
	queries map[string]queryAnswer
	owners  map[string]nodeOwner // missing: the node does not exist
	id      identity
	idErr   error
	block   chan struct{} // when set, queries of /dev/video0 wait on it
	mu      sync.Mutex    // a hung query runs on alongside the next ones
	asked   []string
}

func (k *fakeKernel) probe() linuxProbe {
	return linuxProbe{querycap: k.querycap, stat: k.stat, ident: func() (identity, error) { return k.id, k.idErr }}
}

func (k *fakeKernel) querycap(dev string) ([]byte, error) {
	k.mu.Lock()
	k.asked = append(k.asked, dev)
	k.mu.Unlock()
	if k.block != nil && dev == "/dev/video0" {
		<-k.block
	}
	a, ok := k.queries[dev]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: dev, Err: fs.ErrNotExist}
	}
	return a.buf, a.err
}

func (k *fakeKernel) stat(dev string) (nodeOwner, error) {
	o, ok := k.owners[dev]
	if !ok {
		return nodeOwner{}, &fs.PathError{Op: "stat", Path: dev, Err: fs.ErrNotExist}
	}
	return o, nil
}

// videoGroup is how distributions ship /dev/videoN: crw-rw---- root video.
var videoGroup = nodeOwner{Perm: 0o660, UID: 0, GID: 44}

func allOwned(o nodeOwner, devs ...string) map[string]nodeOwner {
	m := map[string]nodeOwner{}
	for _, d := range devs {
		m[d] = o
	}
	return m
}

func linuxEnv(t *testing.T, fsys fs.FS, vars map[string]string) *checks.Env {
	return &checks.Env{
		Now:     func() time.Time { return time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC) },
		FS:      fsys,
		OS:      "linux",
		Arch:    "amd64",
		Getenv:  func(k string) string { return vars[k] },
		Profile: profile.Default(),
		Logf:    t.Logf,
	}
}

func TestLinuxDiscovery(t *testing.T) {
	k := &fakeKernel{
		queries: laptopQueries(),
		// The user is not in the video group, yet every open works: the
		// desktop's ACL (systemd-logind's uaccess) lets the seat's user in.
		owners: allOwned(videoGroup, "/dev/video0", "/dev/video2", "/dev/video4", "/dev/video10"),
		id:     identity{UID: 1000, Groups: []uint32{1000, 46}},
	}
	s, err := k.probe().cameras(context.Background(), linuxEnv(t, laptop(), nil))
	if err != nil {
		t.Fatal(err)
	}
	want := scan{Source: linuxSource, Cameras: []camera{
		{Name: "Integrated Camera", Connection: connBuiltIn, Driver: "uvcvideo", Bus: "usb-0000:00:14.0-8",
			Node: "/dev/video0", Nodes: []string{"/dev/video0"}, VendorID: "04f2", ProductID: "b6dd",
			Manufacturer: "Chicony Electronics Co.,Ltd.", HeldBy: []holder{{PID: 2000, Comm: "pipewire"}}},
		{Name: "Integrated IR Camera", Connection: connBuiltIn, Infrared: true, Driver: "uvcvideo", Bus: "usb-0000:00:14.0-9",
			Node: "/dev/video2", Nodes: []string{"/dev/video2"}, VendorID: "04f2", ProductID: "b6de",
			Manufacturer: "Chicony Electronics Co.,Ltd."},
		{Name: "Logitech BRIO", Connection: connUSB, Driver: "uvcvideo", Bus: "usb-0000:00:14.0-2",
			Node: "/dev/video4", Nodes: []string{"/dev/video4"}, VendorID: "046d", ProductID: "085e",
			HeldBy: []holder{{PID: 1234, Comm: "zoom"}}},
		{Name: "OBS Virtual Camera", Connection: connVirtual, Driver: "v4l2 loopback", Bus: "platform:v4l2loopback-010",
			Node: "/dev/video10", Nodes: []string{"/dev/video10"}},
	}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("scan:\n%+v\nwant\n%+v", s, want)
	}
	// Every videoN node is asked, metadata nodes included: only the answer
	// tells them apart. v4l-subdev0 is not a video node.
	if got := strings.Join(k.asked, " "); got != "/dev/video0 /dev/video1 /dev/video2 /dev/video3 /dev/video4 /dev/video5 /dev/video10" {
		t.Errorf("queried %s", got)
	}

	res := verdict(linuxEnv(t, laptop(), nil), s, nil)
	if res.Status != report.Warn || res.Summary != "Logitech BRIO is in use by zoom" {
		t.Errorf("verdict %s: %q", res.Status, res.Summary)
	}
	f := res.Findings[0]
	if f.Severity != report.Warn || f.Fix != "Quit zoom (or end its call) before using the camera in another app: most cameras serve one app at a time." {
		t.Errorf("finding %+v", f)
	}
	if !hasFinding(res, report.Pass, "Integrated Camera is open in pipewire, the desktop's media service") {
		t.Errorf("no note about PipeWire: %+v", res.Findings)
	}
	if m, _ := res.Metric("cameras"); m.Value == nil || *m.Value != 2 {
		t.Errorf("cameras = %+v, want 2 (the IR and virtual cameras do not count)", m)
	}
	wantItems := map[string]report.Status{"Integrated Camera": report.Pass, "Integrated IR Camera": report.Pass, "Logitech BRIO": report.Warn, "OBS Virtual Camera": report.Pass}
	for _, it := range res.Items {
		if st, ok := wantItems[it.Label]; !ok || it.Status != st || it.Kind != "camera" {
			t.Errorf("item %+v", it)
		}
	}
	if a := res.Items[2].Attributes; a["held_by"] != "zoom (PID 1234)" || a["connection"] != "USB" || a["device_node"] != "/dev/video4" || a["vendor_id"] != "046d" {
		t.Errorf("BRIO attributes %v", a)
	}
	if a := res.Items[3].Attributes; a["connection"] != "virtual" || res.Items[3].Summary != "virtual camera: it shows what an app feeds it" {
		t.Errorf("OBS item %+v", res.Items[3])
	}
}

func hasFinding(res checks.Result, sev report.Status, prefix string) bool {
	for _, f := range res.Findings {
		if f.Severity == sev && strings.HasPrefix(f.Message, prefix) {
			return true
		}
	}
	return false
}

// restricted is a machine whose one camera the user may not open.
func restricted(groups string) fstest.MapFS {
	m := fstest.MapFS{"etc/group": file(groups), "proc/1/comm": file("systemd\n")}
	iface := addUSB(m, laptopUSB, "04f2", "b6dd", "Integrated Camera", "Chicony Electronics Co.,Ltd.", "fixed")
	addNode(m, 0, iface, "Integrated Camera: Integrated C", 0)
	addNode(m, 1, iface, "Integrated Camera: Integrated C", 1)
	return m
}

func refusedQueries() map[string]queryAnswer {
	denied := func(dev string) queryAnswer {
		return queryAnswer{err: &fs.PathError{Op: "open", Path: dev, Err: fs.ErrPermission}}
	}
	return map[string]queryAnswer{"/dev/video0": denied("/dev/video0"), "/dev/video1": denied("/dev/video1")}
}

func TestLinuxPermissions(t *testing.T) {
	const brief = "Add yourself to the 'video' group (sudo usermod -aG video $USER), then log out and in."
	tests := []struct {
		name    string
		groups  string
		owner   *nodeOwner
		id      identity
		user    string
		want    denial
		message string
		fix     string
	}{
		{"not in the video group", "video:x:44:\n", &videoGroup, identity{UID: 1000, Groups: []uint32{1000}}, "alice",
			denial{Node: "/dev/video0", Known: true, Group: "video", GroupAllows: true, Perm: 0o660},
			"You may not use Integrated Camera: /dev/video0 is open only to the 'video' group, and you are not in it.", brief},
		{"added but not logged in again", "video:x:44:bob,alice\n", &videoGroup, identity{UID: 1000, Groups: []uint32{1000}}, "alice",
			denial{Node: "/dev/video0", Known: true, Group: "video", GroupAllows: true, Listed: true, Perm: 0o660},
			"You may not use Integrated Camera yet: you were added to the 'video' group, but this login session started before that.",
			"Log out and in again (or restart the computer) so that the new group takes effect."},
		{"in the group, blocked by a policy", "video:x:44:alice\n", &videoGroup, identity{UID: 1000, Groups: []uint32{1000, 44}}, "alice",
			denial{Node: "/dev/video0", Known: true, Group: "video", GroupAllows: true, Member: true, Perm: 0o660},
			"Opening /dev/video0 was refused although you are in the 'video' group: a security policy (AppArmor, SELinux) or an app sandbox blocks it.",
			"If wfh runs as a Snap or Flatpak, try an ordinary install; otherwise ask IT which policy blocks the camera."},
		{"another group", "camera:x:990:\n", &nodeOwner{Perm: 0o660, GID: 990}, identity{UID: 1000}, "",
			denial{Node: "/dev/video0", Known: true, Group: "camera", GroupAllows: true, Perm: 0o660},
			"You may not use Integrated Camera: /dev/video0 is open only to the 'camera' group, and you are not in it.",
			"Add yourself to the 'camera' group (sudo usermod -aG camera $USER), then log out and in."},
		{"root only", "video:x:44:\n", &nodeOwner{Perm: 0o600}, identity{UID: 1000}, "",
			denial{Node: "/dev/video0", Known: true, Perm: 0o600},
			"You may not use Integrated Camera: /dev/video0 does not let you open it (crw-------).",
			"Ask IT to give your account access to the camera: on most systems, membership of the 'video' group."},
		{"group not in /etc/group", "", &nodeOwner{Perm: 0o660, GID: 777}, identity{UID: 1000}, "",
			denial{Node: "/dev/video0", Known: true, Group: "GID 777", GroupAllows: true, Perm: 0o660},
			"You may not use Integrated Camera: /dev/video0 does not let you open it (crw-rw----).",
			"Ask IT to give your account access to the camera: on most systems, membership of the 'video' group."},
		{"mode unknown", "video:x:44:\n", nil, identity{UID: 1000}, "",
			denial{Node: "/dev/video0"},
			"You may not use Integrated Camera: opening /dev/video0 was refused.", brief},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := &fakeKernel{queries: refusedQueries(), id: tt.id, owners: map[string]nodeOwner{}}
			if tt.owner != nil {
				k.owners = allOwned(*tt.owner, "/dev/video0", "/dev/video1")
			}
			env := linuxEnv(t, restricted(tt.groups), map[string]string{"USER": tt.user})
			s, err := k.probe().cameras(context.Background(), env)
			if err != nil {
				t.Fatal(err)
			}
			// Without the driver's answer the node index picks the picture
			// node: video1 (index 1) is the metadata node.
			if len(s.Cameras) != 1 || s.Cameras[0].Denied == nil || !reflect.DeepEqual(s.Cameras[0].Nodes, []string{"/dev/video0"}) {
				t.Fatalf("cameras %+v", s.Cameras)
			}
			c := s.Cameras[0]
			if *c.Denied != tt.want {
				t.Errorf("denial %+v\nwant   %+v", *c.Denied, tt.want)
			}
			if c.Name != "Integrated Camera" || c.Driver != "uvcvideo" || c.Bus != "" || c.Connection != connBuiltIn {
				t.Errorf("camera %+v: sysfs alone must still name and place it", c)
			}
			res := verdict(env, s, nil)
			if res.Status != report.Warn || res.Summary != strings.TrimSuffix(tt.message, ".") {
				t.Errorf("verdict %s %q", res.Status, res.Summary)
			}
			if f := res.Findings[0]; f.Message != tt.message || f.Fix != tt.fix || f.Severity != report.Warn {
				t.Errorf("finding %+v\nwant message %q\nfix %q", f, tt.message, tt.fix)
			}
			if res.Items[0].Status != report.Warn || res.Items[0].Summary != "built-in camera; you may not open it" {
				t.Errorf("item %+v", res.Items[0])
			}
		})
	}
}

// A node whose query fails for another reason is still judged by its mode.
func TestLinuxModeForbidsWithoutAnswer(t *testing.T) {
	k := &fakeKernel{
		queries: map[string]queryAnswer{"/dev/video0": {err: &fs.PathError{Op: "VIDIOC_QUERYCAP", Path: "/dev/video0", Err: errors.New("input/output error")}}},
		owners:  allOwned(videoGroup, "/dev/video0"),
		id:      identity{UID: 1000},
	}
	s, err := k.probe().cameras(context.Background(), linuxEnv(t, restricted("video:x:44:\n"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Cameras) != 1 || s.Cameras[0].Denied == nil || s.Cameras[0].Denied.Group != "video" || s.Cameras[0].Fault != nil {
		t.Errorf("cameras %+v", s.Cameras)
	}
}

func TestLinuxFaults(t *testing.T) {
	const fix = "Unplug the camera and plug it in again (for a built-in one, restart the computer)."
	tests := []struct {
		name  string
		query queryAnswer
		owner bool
		msg   string
	}{
		{"device file missing", queryAnswer{err: &fs.PathError{Op: "open", Path: "/dev/video0", Err: fs.ErrNotExist}}, false,
			"The camera's device file /dev/video0 is missing, so apps cannot open it."},
		{"driver error", queryAnswer{err: &fs.PathError{Op: "VIDIOC_QUERYCAP", Path: "/dev/video0", Err: errors.New("input/output error")}}, true,
			"The camera (/dev/video0) did not answer its driver's query (input/output error)."},
		{"short answer", queryAnswer{buf: make([]byte, 10)}, true,
			"The camera (/dev/video0) did not answer its driver's query (/dev/video0: VIDIOC_QUERYCAP answer is 10 bytes, want 104)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := &fakeKernel{queries: map[string]queryAnswer{"/dev/video0": tt.query}, id: identity{UID: 1000, Groups: []uint32{44}}}
			if tt.owner {
				k.owners = allOwned(videoGroup, "/dev/video0")
			}
			env := linuxEnv(t, restricted("video:x:44:\n"), nil)
			s, err := k.probe().cameras(context.Background(), env)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Cameras) != 1 || s.Cameras[0].Denied != nil || s.Cameras[0].Fault == nil {
				t.Fatalf("cameras %+v", s.Cameras)
			}
			if f := *s.Cameras[0].Fault; f.Msg != tt.msg || f.Fix != fix {
				t.Errorf("fault %+v, want %q", f, tt.msg)
			}
			if res := verdict(env, s, nil); res.Status != report.Warn || res.Summary != strings.TrimSuffix(tt.msg, ".") {
				t.Errorf("verdict %s %q", res.Status, res.Summary)
			}
		})
	}
}

// A node whose open hangs must not hold the check past its budget.
func TestLinuxQueryHangs(t *testing.T) {
	k := &fakeKernel{queries: laptopQueries(), owners: allOwned(videoGroup, "/dev/video0"), id: identity{UID: 0}, block: make(chan struct{})}
	t.Cleanup(func() { close(k.block) })
	m := restricted("video:x:44:\n")
	start := time.Now()
	s, err := k.probe().cameras(context.Background(), linuxEnv(t, m, nil))
	if took := time.Since(start); took > queryTimeout+busySlack {
		t.Errorf("took %v", took)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Cameras) != 1 || s.Cameras[0].Fault == nil || s.Cameras[0].Fault.Msg != "The camera (/dev/video0) did not answer within 1s." {
		t.Errorf("cameras %+v", s.Cameras)
	}
}

func TestLinuxIPU6(t *testing.T) {
	m := fstest.MapFS{ipu6 + "/uevent": file("DRIVER=intel-ipu6\nPCI_ID=8086:7D19\n")}
	k := &fakeKernel{queries: map[string]queryAnswer{}, id: identity{UID: 0}}
	for i := range 4 {
		addNode(m, i, ipu6, fmt.Sprintf("Intel IPU6 ISYS Capture %d", i), i)
		k.queries[fmt.Sprintf("/dev/video%d", i)] = queryAnswer{buf: capBuf("isys", fmt.Sprintf("Intel IPU6 ISYS Capture %d", i), "PCI:0000:00:05.0", kernel6_1, ipu6Caps, ipu6Node)}
	}
	s, err := k.probe().cameras(context.Background(), linuxEnv(t, m, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []camera{{Name: "Intel IPU6 ISYS Capture 0", Connection: connBuiltIn, Driver: "isys", Bus: "PCI:0000:00:05.0",
		Node: "/dev/video0", Nodes: []string{"/dev/video0", "/dev/video1", "/dev/video2", "/dev/video3"}}}
	if !reflect.DeepEqual(s.Cameras, want) {
		t.Errorf("cameras %+v\nwant    %+v", s.Cameras, want)
	}
	res := verdict(linuxEnv(t, m, nil), s, nil)
	if res.Status != report.Pass || res.Summary != "1 camera: Intel IPU6 ISYS Capture 0 (built-in)" ||
		res.Items[0].Attributes["device_nodes"] != "/dev/video0, /dev/video1, /dev/video2, /dev/video3" {
		t.Errorf("verdict %s %q %+v", res.Status, res.Summary, res.Items)
	}
}

func TestLinuxNoCamera(t *testing.T) {
	tests := []struct {
		name    string
		fsys    fs.FS
		wantErr string
	}{
		{"no video4linux class", fstest.MapFS{"sys/class/net/lo/type": file("772\n")}, ""},
		{"only codecs and subdevices", func() fs.FS {
			m := fstest.MapFS{"sys/class/video4linux/v4l-subdev0": link("../../devices/virtual/video4linux/v4l-subdev0")}
			addNode(m, 19, "sys/devices/platform/soc/fe00b840.mailbox/bcm2835-codec", "bcm2835-codec-decode", 0)
			return m
		}(), ""},
		{"no sysfs", fstest.MapFS{"etc/hostname": file("box\n")}, "sysfs is not mounted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := &fakeKernel{queries: map[string]queryAnswer{
				"/dev/video19": {buf: capBuf("bcm2835-codec", "bcm2835-codec-decode", "platform:bcm2835-codec", kernel6_1, 0x84204000, 0x04204000)},
			}}
			s, err := k.probe().cameras(context.Background(), linuxEnv(t, tt.fsys, nil))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(s.Cameras) != 0 || s.Source != linuxSource {
				t.Fatalf("scan %+v, %v", s, err)
			}
		})
	}
}

// denyFS refuses every path under one of its prefixes, as /proc does for
// other users' processes.
type denyFS struct {
	fstest.MapFS
	deny []string
}

func (d denyFS) check(op, name string) error {
	for _, p := range d.deny {
		if name == p || strings.HasPrefix(name, p+"/") {
			return &fs.PathError{Op: op, Path: name, Err: fs.ErrPermission}
		}
	}
	return nil
}

func (d denyFS) Open(name string) (fs.File, error) {
	if err := d.check("open", name); err != nil {
		return nil, err
	}
	return d.MapFS.Open(name)
}

func (d denyFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := d.check("readdir", name); err != nil {
		return nil, err
	}
	return d.MapFS.ReadDir(name)
}

func (d denyFS) ReadFile(name string) ([]byte, error) {
	if err := d.check("read", name); err != nil {
		return nil, err
	}
	return d.MapFS.ReadFile(name)
}

func (d denyFS) Stat(name string) (fs.FileInfo, error) {
	if err := d.check("stat", name); err != nil {
		return nil, err
	}
	return d.MapFS.Stat(name)
}

func (d denyFS) Lstat(name string) (fs.FileInfo, error) {
	if err := d.check("lstat", name); err != nil {
		return nil, err
	}
	return d.MapFS.Lstat(name)
}

func (d denyFS) ReadLink(name string) (string, error) {
	if err := d.check("readlink", name); err != nil {
		return "", err
	}
	return d.MapFS.ReadLink(name)
}

func TestScanHolders(t *testing.T) {
	m := laptop()
	m["proc/3000/comm"] = file("obs\n")
	m["proc/3000/fd/9"] = link("/dev/video4")
	m["proc/3001/fd/1"] = link("/dev/video4") // no comm: it ended while being read
	held, hidden, err := scanHolders(context.Background(), denyFS{MapFS: m, deny: []string{"proc/3000/fd"}},
		map[string]bool{"/dev/video0": true, "/dev/video4": true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]holder{
		"/dev/video0": {{PID: 2000, Comm: "pipewire"}},
		"/dev/video4": {{PID: 1234, Comm: "zoom"}, {PID: 3001, Comm: "process 3001"}},
	}
	if !reflect.DeepEqual(held, want) || hidden != 1 {
		t.Errorf("held %v, hidden %d\nwant %v, 1", held, hidden, want)
	}

	// /proc unreadable: the cameras are listed, with a note.
	k := &fakeKernel{queries: laptopQueries(), id: identity{UID: 0}}
	s, err := k.probe().cameras(context.Background(), linuxEnv(t, denyFS{MapFS: laptop(), deny: []string{"proc"}}, nil))
	if err != nil || len(s.Cameras) != 4 || len(s.Notes) != 1 || !strings.HasPrefix(s.Notes[0], "Could not tell which apps are using the camera: list /proc:") {
		t.Errorf("scan %+v, %v", s, err)
	}
	for _, c := range s.Cameras {
		if c.HeldBy != nil {
			t.Errorf("%s held by %v", c.Name, c.HeldBy)
		}
	}
}

func TestRealPath(t *testing.T) {
	m := fstest.MapFS{
		"sys/class/x/a":          link("../../devices/p/a"),
		"sys/devices/p/a/device": link("../../q"),
		"sys/devices/q/id":       file("1"),
		"sys/abs":                link("/sys/devices/q"),
		"sys/loop1":              link("loop2"),
		"sys/loop2":              link("loop1"),
		"sys/up":                 link("../../../../sys/devices"),
	}
	for in, want := range map[string]string{
		"sys/class/x/a/device":    "sys/devices/q",
		"sys/class/x/a/device/id": "sys/devices/q/id",
		"sys/abs/id":              "sys/devices/q/id",
		"sys/up/q":                "sys/devices/q",
		"sys/./class//x/a/..":     "sys/devices/p",
	} {
		if got, err := realPath(m, in); err != nil || got != want {
			t.Errorf("realPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := realPath(m, "sys/loop1/x"); err == nil || !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Errorf("loop: err = %v", err)
	}
	if _, err := realPath(m, "sys/class/x/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: err = %v", err)
	}
}

func TestMayOpen(t *testing.T) {
	tests := []struct {
		o    nodeOwner
		id   identity
		want bool
	}{
		{videoGroup, identity{UID: 0}, true},
		{videoGroup, identity{UID: 1000, Groups: []uint32{44}}, true},
		{videoGroup, identity{UID: 1000, Groups: []uint32{1000}}, false},
		{nodeOwner{Perm: 0o666}, identity{UID: 1000}, true},
		{nodeOwner{Perm: 0o664, GID: 44}, identity{UID: 1000}, false},   // others may only read
		{nodeOwner{Perm: 0o066, UID: 1000}, identity{UID: 1000}, false}, // the owner's bits apply to the owner
		{nodeOwner{Perm: 0o600, UID: 1000}, identity{UID: 1000}, true},
	}
	for _, tt := range tests {
		if got := mayOpen(tt.o, tt.id); got != tt.want {
			t.Errorf("mayOpen(%+v, %+v) = %v", tt.o, tt.id, got)
		}
	}
}

func TestLookupGroup(t *testing.T) {
	data := []byte("# comment:x:44:\nroot:x:0:\nvideo:x:44:alice, bob,\nbroken\n:x:45:\nrender:x:105:\n")
	if name, members, ok := lookupGroup(data, 44); !ok || name != "video" || !reflect.DeepEqual(members, []string{"alice", "bob"}) {
		t.Errorf("44: %q %q %v", name, members, ok)
	}
	if name, _, ok := lookupGroup(data, 105); !ok || name != "render" {
		t.Errorf("105: %q %v", name, ok)
	}
	for _, gid := range []uint32{45, 46} {
		if _, _, ok := lookupGroup(data, gid); ok {
			t.Errorf("%d found", gid)
		}
	}
}

package camera

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// linuxProbe lists V4L2 cameras from sysfs (through env.FS) and asks each
// device node what it is with VIDIOC_QUERYCAP. The three calls into the
// kernel are fields, so the tests run on every OS with recorded answers.
type linuxProbe struct {
	// querycap opens a device node and returns the raw 104-byte answer of
	// VIDIOC_QUERYCAP.
	querycap func(path string) ([]byte, error)
	// stat reads a device node's owner, group and permission bits.
	stat func(path string) (nodeOwner, error)
	// ident is who this process runs as.
	ident func() (identity, error)
}

// nodeOwner is the owner, group and permission bits of a device file.
type nodeOwner struct {
	Perm     uint32
	UID, GID uint32
}

// identity is a user as the kernel checks file access: one UID, the groups
// of this session.
type identity struct {
	UID    uint32
	Groups []uint32
}

const (
	v4lClass    = "sys/class/video4linux"
	linuxSource = "sysfs and VIDIOC_QUERYCAP"

	// queryTimeout bounds the open and VIDIOC_QUERYCAP of one node. Both
	// answer in milliseconds, a USB camera woken from autosuspend in a few
	// hundred; a node silent for a second is stuck, and the others must
	// still fit in the budget.
	queryTimeout = time.Second

	// maxNodes bounds the nodes examined. Laptops with an Intel IPU6 camera
	// have about 50; more than this is a capture server, not a teleworker's
	// machine, and the budget would not cover them.
	maxNodes = 256
)

// v4lNode is one /sys/class/video4linux/videoN entry.
type v4lNode struct {
	num   int    // N of videoN, for ordering
	index int    // the node's index within its device; -1 when unknown
	name  string // sysfs "name"
	dev   string // "/dev/video0"
	// deviceDir is the resolved sysfs directory of the device the node
	// belongs to; "" when there is none (v4l2loopback lives under
	// /sys/devices/virtual and has no device link).
	deviceDir string
	virtual   bool
	driver    string // DRIVER= of the device's uevent
	usb       usbDevice
	caps      *capability
	capErr    error
}

// usbDevice holds the attributes of the USB device a node belongs to.
type usbDevice struct {
	vendor, product    string // idVendor, idProduct: four hex digits
	name, manufacturer string // the product and manufacturer strings
	removable          string // "removable", "fixed" or "unknown"
	found              bool
}

func (p linuxProbe) cameras(ctx context.Context, env *checks.Env) (scan, error) {
	fsys := env.FS
	if fsys == nil {
		return scan{}, errors.New("no filesystem to read sysfs from")
	}
	entries, err := fs.ReadDir(fsys, v4lClass)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := fs.Stat(fsys, "sys/class"); serr != nil {
			// Without sysfs nothing can be said either way; in a container
			// this is common, and "no camera" would be a guess.
			return scan{}, fmt.Errorf("sysfs is not mounted (/sys/class: %w)", serr)
		}
		// The kernel has no video device at all: no camera is plugged in,
		// or its driver is not loaded.
		env.Debugf("camera: /%s does not exist: no video devices", v4lClass)
		return scan{Source: linuxSource}, nil
	}
	if err != nil {
		return scan{}, fmt.Errorf("list /%s: %w", v4lClass, err)
	}

	var nodes []v4lNode
	for _, e := range entries {
		num, ok := strings.CutPrefix(e.Name(), "video")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 0 {
			continue // vbi, radio, v4l-subdev and v4l-touch nodes are not cameras
		}
		if len(nodes) == maxNodes {
			env.Debugf("camera: more than %d video nodes, the rest are not examined", maxNodes)
			break
		}
		nodes = append(nodes, readNode(env, e.Name(), n))
	}
	slices.SortFunc(nodes, func(a, b v4lNode) int { return a.num - b.num })

	for i := range nodes {
		n := &nodes[i]
		if err := ctx.Err(); err != nil {
			n.capErr = fmt.Errorf("%s was not queried: %w", n.dev, err)
			continue
		}
		b, err := p.query(ctx, n.dev)
		if err != nil {
			n.capErr = err
			env.Debugf("camera: %s: %v", n.dev, err)
			continue
		}
		c, err := decodeQueryCap(b)
		if err != nil {
			n.capErr = fmt.Errorf("%s: %w", n.dev, err)
			continue
		}
		n.caps = &c
		env.Debugf("camera: %s: driver %q card %q bus %q version %s caps %#08x device caps %#08x",
			n.dev, c.Driver, c.Card, c.BusInfo, c.version(), c.Capabilities, c.DeviceCaps)
	}

	cams, kept := p.group(env, nodes)
	if len(cams) == 0 {
		return scan{Source: linuxSource}, nil
	}
	holders, hidden, err := scanHolders(ctx, fsys, kept)
	var notes []string
	if err != nil {
		env.Debugf("camera: %v", err)
		notes = append(notes, "Could not tell which apps are using the camera: "+err.Error()+".")
	} else if hidden > 0 {
		// Other users' processes cannot be inspected without root; the
		// user's own apps, which are what a teleworker runs, always can.
		env.Debugf("camera: the open files of %d processes of other users could not be read", hidden)
	}
	for i := range cams {
		seen := map[int]bool{}
		for _, node := range cams[i].Nodes {
			for _, h := range holders[node] {
				if !seen[h.PID] {
					seen[h.PID] = true
					cams[i].HeldBy = append(cams[i].HeldBy, h)
				}
			}
		}
	}
	return scan{Cameras: cams, Source: linuxSource, Notes: notes}, nil
}

// query runs querycap with its own timeout. The open and ioctl cannot be
// interrupted; when they hang, the goroutine is left to finish on its own
// so that the check still answers in time.
func (p linuxProbe) query(ctx context.Context, dev string) ([]byte, error) {
	if p.querycap == nil {
		return nil, fmt.Errorf("%s: %w", dev, errUnsupported)
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	type answer struct {
		b   []byte
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		b, err := p.querycap(dev)
		ch <- answer{b, err}
	}()
	select {
	case a := <-ch:
		return a.b, a.err
	case <-ctx.Done():
		return nil, &probeutil.HungError{Name: dev, Timeout: queryTimeout, Err: ctx.Err()}
	}
}

// readNode reads what sysfs says about one videoN entry. Missing attributes
// stay empty: old kernels lack some, and the query fills most gaps.
func readNode(env *checks.Env, sysName string, num int) v4lNode {
	fsys := env.FS
	dir := v4lClass + "/" + sysName
	n := v4lNode{num: num, index: -1, name: readAttr(fsys, dir+"/name"), dev: "/dev/" + sysName}
	if i, err := strconv.Atoi(readAttr(fsys, dir+"/index")); err == nil && i >= 0 {
		n.index = i
	}
	if devname := ueventValue(fsys, dir+"/uevent", "DEVNAME"); devname != "" {
		if clean := path.Clean(devname); fs.ValidPath(clean) {
			n.dev = "/dev/" + clean
		}
	}
	dev, err := realPath(fsys, dir+"/device")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Only software devices have no parent device.
		n.virtual = true
	case err != nil:
		env.Debugf("camera: %s: %v", dir, err)
	default:
		n.deviceDir = dev
		n.driver = clean(ueventValue(fsys, dev+"/uevent", "DRIVER"))
		// The node's device is a USB interface ("1-1:1.0"); the USB device
		// with the IDs and strings is its parent. Some drivers bind to the
		// device itself, so look there first.
		for _, d := range []string{dev, path.Dir(dev)} {
			if u, ok := readUSB(fsys, d); ok {
				n.usb = u
				break
			}
		}
	}
	return n
}

// readUSB reads a sysfs USB device directory.
func readUSB(fsys fs.FS, dir string) (usbDevice, bool) {
	vendor := strings.ToLower(readAttr(fsys, dir+"/idVendor"))
	product := strings.ToLower(readAttr(fsys, dir+"/idProduct"))
	if !hex4(vendor) || !hex4(product) {
		return usbDevice{}, false
	}
	return usbDevice{
		vendor:       vendor,
		product:      product,
		name:         readAttr(fsys, dir+"/product"),
		manufacturer: readAttr(fsys, dir+"/manufacturer"),
		removable:    readAttr(fsys, dir+"/removable"),
		found:        true,
	}, true
}

func hex4(s string) bool {
	if len(s) != 4 {
		return false
	}
	_, err := strconv.ParseUint(s, 16, 16)
	return err == nil
}

// keep reports whether a node is a camera's picture source. Without the
// driver's answer (the user may not open it), the node index decides: the
// kernel numbers a device's nodes from 0, and a UVC camera's picture node
// comes before its metadata node.
func (n v4lNode) keep() bool {
	if n.caps != nil {
		return n.caps.canCapture()
	}
	return n.index <= 0
}

// group turns capture nodes into cameras, one per physical device: an
// Intel IPU6 or a capture card has many capture nodes, but the user has one
// camera. It returns the cameras and the set of their nodes.
func (p linuxProbe) group(env *checks.Env, nodes []v4lNode) ([]camera, map[string]bool) {
	var cams []camera
	var members [][]v4lNode
	byDevice := map[string]int{}
	kept := map[string]bool{}
	for _, n := range nodes {
		if !n.keep() {
			continue
		}
		kept[n.dev] = true
		if i, ok := byDevice[n.deviceDir]; ok && n.deviceDir != "" {
			cams[i].Nodes = append(cams[i].Nodes, n.dev)
			members[i] = append(members[i], n)
			continue
		}
		byDevice[n.deviceDir] = len(cams)
		cams = append(cams, nodeCamera(n))
		members = append(members, []v4lNode{n})
	}
	var id identity
	var idErr error
	if p.ident != nil {
		id, idErr = p.ident()
	} else {
		idErr = errUnsupported
	}
	groupFile, _ := fs.ReadFile(env.FS, "etc/group")
	user := ""
	if env.Getenv != nil {
		user = env.Getenv("USER")
	}
	for i := range cams {
		p.access(env, &cams[i], members[i], id, idErr, groupFile, user)
	}
	return cams, kept
}

// nodeCamera describes the camera behind its first capture node.
func nodeCamera(n v4lNode) camera {
	c := camera{Node: n.dev, Nodes: []string{n.dev}, Driver: n.driver}
	if n.caps != nil {
		c.Bus = n.caps.BusInfo
		if n.caps.Driver != "" {
			c.Driver = n.caps.Driver
		}
	}
	if n.usb.found {
		c.VendorID, c.ProductID, c.Manufacturer = n.usb.vendor, n.usb.product, n.usb.manufacturer
	}
	for _, name := range []string{n.usb.name, n.name} {
		if name != "" {
			c.Name = name
			break
		}
	}
	if c.Name == "" && n.caps != nil {
		c.Name = n.caps.Card
	}
	if c.Name == "" {
		c.Name = "Camera " + n.dev
	}
	c.Infrared = looksInfrared(c.Name)
	switch {
	case n.virtual || c.Driver == "v4l2 loopback" || looksVirtual(c.Name):
		c.Connection = connVirtual
	case n.usb.found && n.usb.removable == "fixed":
		// The kernel knows the port is wired inside the machine (ACPI).
		c.Connection = connBuiltIn
	case n.usb.found:
		c.Connection = connUSB
	case strings.HasPrefix(c.Bus, "platform:") || strings.HasPrefix(strings.ToLower(c.Bus), "pci:"):
		// MIPI cameras (laptops with an Intel IPU, a Raspberry Pi's ribbon
		// camera) sit on the SoC or a PCI function, never on a plug.
		c.Connection = connBuiltIn
	}
	return c
}

// access decides whether the user may open the camera, from the answers of
// its nodes: one node that opened is enough. When every node refused,
// the file's owner and mode say which group the user needs.
func (p linuxProbe) access(env *checks.Env, c *camera, nodes []v4lNode, id identity, idErr error, groupFile []byte, user string) {
	var refused, other []v4lNode
	for _, n := range nodes {
		switch {
		case n.caps != nil:
			if p.stat != nil && idErr == nil {
				if o, err := p.stat(n.dev); err == nil && !mayOpen(o, id) {
					// The mode forbids it, yet the open worked: an ACL
					// (systemd-logind gives the seat's user one) allows it.
					env.Debugf("camera: %s opened although its mode forbids it: an ACL allows it", n.dev)
				}
			}
			return
		case errors.Is(n.capErr, fs.ErrPermission):
			refused = append(refused, n)
		default:
			other = append(other, n)
		}
	}
	target := nodes[0].dev
	if len(refused) > 0 {
		target = refused[0].dev
	}
	var owner nodeOwner
	var ownerErr error = errUnsupported
	if p.stat != nil {
		owner, ownerErr = p.stat(target)
	}
	if len(refused) == 0 && ownerErr == nil && idErr == nil && !mayOpen(owner, id) {
		// The query failed for another reason (it hung, the node is
		// missing), but the mode would refuse the user anyway.
		refused = other
		other = nil
	}
	if len(refused) > 0 {
		d := explainDenial(owner, ownerErr, id, idErr, groupFile, user)
		d.Node = refused[0].dev
		c.Denied = &d
		return
	}
	if len(other) > 0 && other[0].capErr != nil {
		c.Fault = nodeFault(other[0].dev, other[0].capErr)
	}
}

// nodeFault words a failed query of a node the user may open.
func nodeFault(dev string, err error) *fault {
	const fix = "Unplug the camera and plug it in again (for a built-in one, restart the computer)."
	var hung *probeutil.HungError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &fault{Msg: fmt.Sprintf("The camera's device file %s is missing, so apps cannot open it.", dev), Fix: fix}
	case errors.As(err, &hung):
		return &fault{Msg: fmt.Sprintf("The camera (%s) did not answer within %v.", dev, hung.Timeout), Fix: fix}
	case errors.Is(err, errUnsupported):
		return nil
	}
	return &fault{Msg: fmt.Sprintf("The camera (%s) did not answer its driver's query (%s).", dev, errText(err)), Fix: fix}
}

// errText is the innermost message of an error, without the path and
// operation that the surrounding message already names.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// mayOpen applies the kernel's permission check for opening a device file
// for reading and writing, as video apps do: root may; the owner's bits
// apply to the owner, even when the group's would allow more; then the
// group's, then everyone else's. ACLs are not seen here.
func mayOpen(o nodeOwner, id identity) bool {
	const rw = 0o6
	switch {
	case id.UID == 0:
		return true
	case id.UID == o.UID:
		return (o.Perm>>6)&rw == rw
	case slices.Contains(id.Groups, o.GID):
		return (o.Perm>>3)&rw == rw
	}
	return o.Perm&rw == rw
}

// explainDenial says why a user who was refused may not open a node and
// which group would let them.
func explainDenial(o nodeOwner, ownerErr error, id identity, idErr error, groupFile []byte, user string) denial {
	if ownerErr != nil {
		return denial{}
	}
	d := denial{Known: true, Perm: o.Perm, GroupAllows: (o.Perm>>3)&0o6 == 0o6}
	name, members, ok := lookupGroup(groupFile, o.GID)
	switch {
	case o.GID == 0:
		// Root's group is not one to hand out to users.
		d.GroupAllows = false
	case ok:
		d.Group = name
	default:
		d.Group = "GID " + strconv.FormatUint(uint64(o.GID), 10)
	}
	if idErr == nil && d.GroupAllows {
		d.Member = slices.Contains(id.Groups, o.GID)
		d.Listed = !d.Member && user != "" && slices.Contains(members, user)
	}
	return d
}

// lookupGroup finds a group by ID in the text of /etc/group
// ("video:x:44:alice,bob") and returns its name and listed members.
func lookupGroup(data []byte, gid uint32) (string, []string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	want := strconv.FormatUint(uint64(gid), 10)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 || fields[2] != want || fields[0] == "" || strings.HasPrefix(fields[0], "#") {
			continue
		}
		var members []string
		if len(fields) > 3 {
			for _, m := range strings.Split(fields[3], ",") {
				if m = strings.TrimSpace(m); m != "" {
					members = append(members, m)
				}
			}
		}
		return clean(fields[0]), members, true
	}
	return "", nil, false
}

// scanHolders finds the processes that have one of the nodes open, by
// reading the /proc/PID/fd links. It returns them by node, and how many
// processes could not be inspected (other users', unless running as root).
func scanHolders(ctx context.Context, fsys fs.FS, nodes map[string]bool) (map[string][]holder, int, error) {
	entries, err := fs.ReadDir(fsys, "proc")
	if err != nil {
		return nil, 0, fmt.Errorf("list /proc: %w", err)
	}
	held := map[string][]holder{}
	hidden := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return held, hidden, fmt.Errorf("looking through the running apps took too long: %w", err)
		}
		dir := "proc/" + e.Name()
		fds, err := fs.ReadDir(fsys, dir+"/fd")
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				hidden++
			}
			continue // or the process ended meanwhile
		}
		var comm string
		for _, fd := range fds {
			target, err := fs.ReadLink(fsys, dir+"/fd/"+fd.Name())
			if err != nil || !nodes[target] {
				continue
			}
			if comm == "" {
				comm = readAttr(fsys, dir+"/comm")
				if comm == "" {
					comm = "process " + e.Name()
				}
			}
			if !slices.ContainsFunc(held[target], func(h holder) bool { return h.PID == pid }) {
				held[target] = append(held[target], holder{PID: pid, Comm: comm})
			}
		}
	}
	return held, hidden, nil
}

// realPath resolves the symbolic links in name within fsys, as the kernel
// would under "/": sysfs is a tree of links (class → device → parent), and
// a parent found by "dir/.." must be the real one, not the link's.
func realPath(fsys fs.FS, name string) (string, error) {
	todo := strings.Split(name, "/")
	var done []string
	hops := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := strings.Join(append(done, c), "/")
		fi, err := fs.Lstat(fsys, cur)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		// 40 is the kernel's own limit (MAXSYMLINKS); it also ends loops.
		if hops++; hops > 40 {
			return "", &fs.PathError{Op: "resolve", Path: name, Err: errors.New("too many levels of symbolic links")}
		}
		target, err := fs.ReadLink(fsys, cur)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = done[:0]
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return strings.Join(done, "/"), nil
}

// readAttr reads a small sysfs or procfs attribute, cleaned; "" when it
// cannot be read.
func readAttr(fsys fs.FS, name string) string {
	b, err := readSmall(fsys, name)
	if err != nil {
		return ""
	}
	return clean(string(b))
}

// ueventValue returns KEY's value in a uevent file ("DRIVER=uvcvideo").
func ueventValue(fsys fs.FS, name, key string) string {
	b, err := readSmall(fsys, name)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+"="); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// maxAttr bounds what is read from one attribute file: sysfs attributes
// are at most a page, and a fixture tree must not make the check read a
// huge file.
const maxAttr = 4096

func readSmall(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxAttr))
}

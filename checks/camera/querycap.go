package camera

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// V4L2 constants from linux/videodev2.h; golang.org/x/sys/unix has none.
const (
	// vidiocQueryCap is VIDIOC_QUERYCAP, _IOR('V', 0, struct v4l2_capability).
	vidiocQueryCap = 0x80685600
	// capabilitySize is sizeof(struct v4l2_capability): driver[16], card[32],
	// bus_info[32], version, capabilities, device_caps, reserved[3].
	capabilitySize = 104

	capVideoCapture       = 0x00000001
	capVideoCaptureMplane = 0x00001000
	capVideoM2MMplane     = 0x00004000
	capVideoM2M           = 0x00008000
	capMetaCapture        = 0x00800000
	capStreaming          = 0x04000000
	// capDeviceCaps says device_caps is filled in: capabilities then
	// describes the whole physical device and device_caps this node.
	capDeviceCaps = 0x80000000
)

// capability is a decoded struct v4l2_capability.
type capability struct {
	Driver       string // "uvcvideo"
	Card         string // "Integrated Camera: Integrated C"
	BusInfo      string // "usb-0000:00:14.0-8"
	Version      uint32 // KERNEL_VERSION of the driver
	Capabilities uint32
	DeviceCaps   uint32
}

// decodeQueryCap decodes the buffer VIDIOC_QUERYCAP fills. The integers are
// in the machine's byte order, as the kernel wrote them.
func decodeQueryCap(b []byte) (capability, error) {
	if len(b) != capabilitySize {
		return capability{}, fmt.Errorf("VIDIOC_QUERYCAP answer is %d bytes, want %d", len(b), capabilitySize)
	}
	c := capability{
		Driver:       cString(b[0:16]),
		Card:         cString(b[16:48]),
		BusInfo:      cString(b[48:80]),
		Version:      binary.NativeEndian.Uint32(b[80:84]),
		Capabilities: binary.NativeEndian.Uint32(b[84:88]),
		DeviceCaps:   binary.NativeEndian.Uint32(b[88:92]),
	}
	return c, nil
}

// nodeCaps is what this device node can do. Before device_caps existed
// (Linux 3.3) capabilities described the node itself.
func (c capability) nodeCaps() uint32 {
	if c.Capabilities&capDeviceCaps != 0 {
		return c.DeviceCaps
	}
	return c.Capabilities
}

// canCapture reports whether the node delivers video frames. A UVC camera
// has a second node with only META_CAPTURE (timestamps, not pictures), and
// codecs are memory-to-memory devices that capture nothing from the world.
func (c capability) canCapture() bool {
	caps := c.nodeCaps()
	if caps&(capVideoM2M|capVideoM2MMplane) != 0 {
		return false
	}
	return caps&(capVideoCapture|capVideoCaptureMplane) != 0
}

// version renders KERNEL_VERSION(a, b, c) as "a.b.c".
func (c capability) version() string {
	if c.Version == 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", c.Version>>16, (c.Version>>8)&0xff, c.Version&0xff)
}

// cString reads a NUL-terminated string from a fixed-size field; a field
// the driver filled to the end has no NUL and is used whole.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return clean(string(b))
}

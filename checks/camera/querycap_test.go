package camera

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Capability bits as uvcvideo reports them (drivers/media/usb/uvc): the
// device can capture video and metadata, each node does one of them.
const (
	uvcDeviceCaps  = 0x84a00001 // DEVICE_CAPS | STREAMING | META_CAPTURE | EXT_PIX_FORMAT | VIDEO_CAPTURE
	uvcCaptureNode = 0x04200001 // STREAMING | EXT_PIX_FORMAT | VIDEO_CAPTURE
	uvcMetaNode    = 0x04a00000 // STREAMING | META_CAPTURE | EXT_PIX_FORMAT
	ipu6Caps       = 0x84201000 // DEVICE_CAPS | STREAMING | EXT_PIX_FORMAT | VIDEO_CAPTURE_MPLANE
	ipu6Node       = 0x04201000
	codecCaps      = 0x84204000 // a stateful decoder: VIDEO_M2M_MPLANE
	codecNode      = 0x04204000
	kernel6_1      = 6<<16 | 1<<8 | 0
)

// capBuf builds the 104-byte struct v4l2_capability a driver returns:
// driver[16] @0, card[32] @16, bus_info[32] @48, version @80,
// capabilities @84, device_caps @88, reserved[3] @92. Strings longer than
// their field are cut without a NUL, as the kernel's strscpy would not
// allow but a buggy driver might.
func capBuf(driver, card, bus string, version, caps, devCaps uint32) []byte {
	b := make([]byte, capabilitySize)
	copy(b[0:16], driver)
	copy(b[16:48], card)
	copy(b[48:80], bus)
	binary.NativeEndian.PutUint32(b[80:84], version)
	binary.NativeEndian.PutUint32(b[84:88], caps)
	binary.NativeEndian.PutUint32(b[88:92], devCaps)
	return b
}

func TestDecodeQueryCap(t *testing.T) {
	tests := []struct {
		name    string
		buf     []byte
		want    capability
		capture bool
	}{
		{"UVC capture node", capBuf("uvcvideo", "Integrated Camera: Integrated C", "usb-0000:00:14.0-8", kernel6_1, uvcDeviceCaps, uvcCaptureNode),
			capability{"uvcvideo", "Integrated Camera: Integrated C", "usb-0000:00:14.0-8", kernel6_1, uvcDeviceCaps, uvcCaptureNode}, true},
		{"UVC metadata node", capBuf("uvcvideo", "Integrated Camera: Integrated C", "usb-0000:00:14.0-8", kernel6_1, uvcDeviceCaps, uvcMetaNode),
			capability{"uvcvideo", "Integrated Camera: Integrated C", "usb-0000:00:14.0-8", kernel6_1, uvcDeviceCaps, uvcMetaNode}, false},
		{"multi-planar capture", capBuf("isys", "Intel IPU6 ISYS Capture 0", "PCI:0000:00:05.0", kernel6_1, ipu6Caps, ipu6Node),
			capability{"isys", "Intel IPU6 ISYS Capture 0", "PCI:0000:00:05.0", kernel6_1, ipu6Caps, ipu6Node}, true},
		{"codec", capBuf("hantro-vpu", "rockchip,rk3399-vpu-dec", "platform:hantro-vpu-dec", kernel6_1, codecCaps, codecNode),
			capability{"hantro-vpu", "rockchip,rk3399-vpu-dec", "platform:hantro-vpu-dec", kernel6_1, codecCaps, codecNode}, false},
		// Before Linux 3.3 there was no device_caps: capabilities is the node's.
		{"no device caps", capBuf("gspca_zc3xx", "USB Camera (0ac8:307b)", "usb-0000:00:1d.0-1", 2<<16|6<<8|32, 0x05000001, 0),
			capability{"gspca_zc3xx", "USB Camera (0ac8:307b)", "usb-0000:00:1d.0-1", 2<<16 | 6<<8 | 32, 0x05000001, 0}, true},
		// device_caps is ignored unless DEVICE_CAPS says it is filled.
		{"stale device caps", capBuf("old", "x", "", 0, 0x04000000, capVideoCapture),
			capability{"old", "x", "", 0, 0x04000000, capVideoCapture}, false},
		{"fields filled to the end", capBuf("0123456789abcdefXX", strings.Repeat("C", 40), strings.Repeat("b", 40), 1, uvcDeviceCaps, uvcCaptureNode),
			capability{"0123456789abcdef", strings.Repeat("C", 32), strings.Repeat("b", 32), 1, uvcDeviceCaps, uvcCaptureNode}, true},
		{"invalid UTF-8 and control characters", capBuf("uvc\x1b[2J", "Cam\xff\xfe\n", "usb", 1, uvcDeviceCaps, uvcCaptureNode),
			capability{"uvc[2J", "Cam\uFFFD", "usb", 1, uvcDeviceCaps, uvcCaptureNode}, true},
		{"all zero", make([]byte, capabilitySize), capability{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeQueryCap(tt.buf)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("decoded %+v\nwant    %+v", got, tt.want)
			}
			if got.canCapture() != tt.capture {
				t.Errorf("canCapture() = %v, want %v (node caps %#x)", got.canCapture(), tt.capture, got.nodeCaps())
			}
		})
	}
}

func TestDecodeQueryCapVersion(t *testing.T) {
	c, err := decodeQueryCap(capBuf("uvcvideo", "c", "b", 6<<16|8<<8|12, uvcDeviceCaps, uvcCaptureNode))
	if err != nil || c.version() != "6.8.12" {
		t.Errorf("version() = %q, %v; want 6.8.12", c.version(), err)
	}
	if (capability{}).version() != "" {
		t.Error("version 0 must render as unknown")
	}
}

func TestDecodeQueryCapSize(t *testing.T) {
	for _, n := range []int{0, 1, 92, 103, 105, 208} {
		if _, err := decodeQueryCap(make([]byte, n)); err == nil || !strings.Contains(err.Error(), "want 104") {
			t.Errorf("%d bytes: err = %v, want a size error", n, err)
		}
	}
}

func FuzzDecodeQueryCap(f *testing.F) {
	f.Add(capBuf("uvcvideo", "Integrated Camera: Integrated C", "usb-0000:00:14.0-8", kernel6_1, uvcDeviceCaps, uvcCaptureNode))
	f.Add(capBuf("uvcvideo", "x", "y", 0, uvcDeviceCaps, uvcMetaNode))
	f.Add(capBuf("isys", "\xff\xfe\x00x", "PCI:", 0, ipu6Caps, ipu6Node))
	f.Add([]byte{})
	f.Add(make([]byte, 103))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeQueryCap(b)
		if (err == nil) != (len(b) == capabilitySize) {
			t.Fatalf("len %d: err = %v", len(b), err)
		}
		if err != nil {
			return
		}
		for _, s := range []string{c.Driver, c.Card, c.BusInfo} {
			displayable(t, s)
			if len(s) > 32*3 {
				t.Errorf("%q is longer than its field could hold", s)
			}
		}
		if c.canCapture() && c.nodeCaps()&(capVideoCapture|capVideoCaptureMplane) == 0 {
			t.Errorf("canCapture without a capture bit: %#x", c.nodeCaps())
		}
	})
}

// displayable fails when s could not be shown as is in a report.
func displayable(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) || strings.ContainsRune(s, '\uFEFF') ||
		len(s) > maxText+len("…") || s != strings.TrimSpace(s) {
		t.Errorf("%q is not displayable", s)
	}
}

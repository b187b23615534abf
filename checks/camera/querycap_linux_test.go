package camera

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestQueryCapIoctlErrors runs the real open and ioctl on files that are
// not cameras: this machine has none, and the kernel here has neither
// v4l2loopback nor vivid, so the success path is only tested through the
// seam with recorded buffers.
func TestQueryCapIoctlErrors(t *testing.T) {
	_, err := queryCapIoctl(filepath.Join(t.TempDir(), "video0"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing node: err = %v, want not exist", err)
	}
	// /dev/null opens but is no V4L2 device: the ioctl itself must fail
	// with ENOTTY, proving the request reached the kernel.
	_, err = queryCapIoctl("/dev/null")
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Op != "VIDIOC_QUERYCAP" || !errors.Is(err, unix.ENOTTY) {
		t.Errorf("/dev/null: err = %v, want VIDIOC_QUERYCAP: ENOTTY", err)
	}
}

func TestStatNodeAndIdentity(t *testing.T) {
	o, err := statNode("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	if o.Perm != 0o666 || o.UID != 0 {
		t.Errorf("/dev/null = %+v, want mode 0666 owned by root", o)
	}
	id, err := currentIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if !mayOpen(o, id) {
		t.Error("everyone may open /dev/null")
	}
	if _, err := statNode(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: err = %v", err)
	}
}

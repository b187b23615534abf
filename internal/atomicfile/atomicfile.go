// Package atomicfile writes a file so that readers see either the old
// content or the new, never half a report.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNoFolder is returned when the folder a file should go into does not
// exist; the message names the folder, which is what the user has to fix.
var ErrNoFolder = errors.New("folder does not exist")

// folderError names a missing or unusable parent folder of a file.
type folderError struct {
	dir string
	err error
}

func (e *folderError) Error() string {
	if errors.Is(e.err, fs.ErrNotExist) {
		return fmt.Sprintf("the folder %s does not exist", e.dir)
	}
	return fmt.Sprintf("%s is not a folder", e.dir)
}

func (e *folderError) Is(target error) bool { return target == ErrNoFolder }

func (e *folderError) Unwrap() error { return e.err }

// CheckDir reports whether a file could be created at path as far as can be
// known without creating it: its folder exists and path is not itself a
// folder. Permissions are left to Write, where the error is exact.
func CheckDir(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory; give a file name, for example %s", path, filepath.Join(path, "wfh-report.md"))
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &folderError{dir: dir, err: err}
	case err == nil && !fi.IsDir():
		return &folderError{dir: dir, err: fs.ErrInvalid}
	}
	return nil
}

// Write writes data to path through a temporary file in the same directory
// and a rename, which is atomic on the same filesystem. The file gets mode
// 0644 unless it already exists, in which case its mode is kept. A symlink
// is followed, so the file it points to is replaced, not the link; a target
// that is not a regular file (/dev/stdout, /dev/null, a FIFO) is written to
// directly, because replacing it would destroy it.
func Write(path string, data []byte) (err error) {
	mode := os.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		if fi.IsDir() {
			return fmt.Errorf("%s is a directory; give a file name, for example %s", path, filepath.Join(path, "wfh-report.md"))
		}
		if !fi.Mode().IsRegular() {
			return writeInPlace(path, data)
		}
		mode = fi.Mode().Perm()
		if resolved, err := filepath.EvalSymlinks(path); err == nil {
			path = resolved
		}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		if derr := CheckDir(path); derr != nil {
			return derr // the folder, not the temporary file, is the problem
		}
		// The temporary name means nothing to the user: name the folder.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("cannot create a file in %s: %w", dir, pe.Err)
		}
		return fmt.Errorf("cannot create a file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// The errors name the file asked for: the temporary name means
	// nothing to the user, and os already puts it in its own message.
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, bare(err))
	}
	// Sync before rename so a crash cannot leave an empty file under the
	// final name on filesystems that reorder metadata and data writes.
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("flush %s: %w", path, bare(err))
	}
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("set permissions on %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, bare(err))
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("move the report into place at %s: %w", path, err)
	}
	return nil
}

// writeInPlace writes to a device, FIFO or socket as it is.
func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// bare is the cause inside an *os.PathError ("no space left on device"),
// which already names the temporary file; other errors stay as they are.
func bare(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

package dump

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrOutput: the output path cannot take the image.
var ErrOutput = errors.New("the output path cannot take the image")

// CheckOutput refuses, before any device is touched, an output path a
// dump (or parse) could not finish at: "-" (the image is written only once
// verified, beside its journal), a folder that does not exist or cannot be
// written, anything but a regular file in the way (never replaced, not
// even with force), an existing file without force, and a disk without
// room for size bytes (0: not known yet).
func CheckOutput(path string, size uint64, force bool) error {
	if path == "-" {
		return pathErr(ErrOutput, "-o - would write to standard output, but the image is written only once every chunk is verified, beside the journal a resume needs: give a file name (then cat it)")
	}
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.IsDir():
		return pathErr(ErrOutput, "%s is a folder: give -o a file name, e.g. %s", path, filepath.Join(path, "flash.bin"))
	case err == nil && !st.Mode().IsRegular():
		return pathErr(ErrOutput, "%s is not a regular file (%s): bootdump never replaces it; give -o a file name", path, kind(st.Mode()))
	case err == nil && !force:
		return pathErr(ErrExists, "%s exists; choose another -o, or --force to replace it", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return pathErr(ErrOutput, "%v", err)
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return pathErr(ErrOutput, "the folder %s does not exist: create it, or choose another -o", dir)
	}
	probe, err := os.CreateTemp(dir, ".bootdump-check-*")
	if err != nil {
		return pathErr(ErrOutput, "cannot write in %s (%v): choose another -o", dir, errors.Unwrap(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	if free, ok := freeSpace(dir); ok && size > free {
		return pathErr(ErrOutput, "%s has %d bytes free and the image needs %d: free some space, or choose another -o", dir, free, size)
	}
	return nil
}

// pathError says what is wrong with the path in its own words, and is
// the sentinel it names for errors.Is.
type pathError struct {
	sentinel error
	msg      string
}

func (e pathError) Error() string        { return e.msg }
func (e pathError) Is(target error) bool { return target == e.sentinel }

func pathErr(sentinel error, format string, args ...any) error {
	return pathError{sentinel, fmt.Sprintf(format, args...)}
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a pipe"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.String()
}

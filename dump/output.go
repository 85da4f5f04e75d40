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

// OutputError is an output path a dump cannot finish at. Problem says
// what is wrong in the library's words; the command line adds advice.
type OutputError struct {
	Path    string
	Problem OutputProblem
	Detail  string // the file's kind, the system's error, the room
	Free    uint64 // NoRoom: bytes free
	Need    uint64 // NoRoom: bytes the image needs
}

// OutputProblem is what is wrong with an output path.
type OutputProblem int

const (
	OutputStdout   OutputProblem = iota // "-": the image is written only once verified
	OutputFolder                        // a folder is in the way
	OutputNotFile                       // a device, a pipe, ...: never replaced
	OutputExists                        // a file is there, and force is not given
	OutputStat                          // the path cannot be looked at
	OutputNoFolder                      // the folder does not exist
	OutputReadOnly                      // the folder cannot be written
	OutputNoRoom                        // the disk has not room for the image
)

func (e *OutputError) Error() string {
	switch e.Problem {
	case OutputStdout:
		return "the image cannot go to standard output: it is written only once every chunk is verified, beside the journal a resume needs"
	case OutputFolder:
		return e.Path + " is a folder"
	case OutputNotFile:
		return fmt.Sprintf("%s is not a regular file (%s)", e.Path, e.Detail)
	case OutputExists:
		return e.Path + " exists"
	case OutputStat:
		return e.Detail
	case OutputNoFolder:
		return fmt.Sprintf("the folder %s does not exist", e.Path)
	case OutputReadOnly:
		return fmt.Sprintf("cannot write in %s (%s)", e.Path, e.Detail)
	}
	return fmt.Sprintf("%s has %d bytes free and the image needs %d", e.Path, e.Free, e.Need)
}

// Is makes an OutputError ErrOutput, and ErrExists where the file is
// there.
func (e *OutputError) Is(target error) bool {
	return target == ErrOutput || target == ErrExists && e.Problem == OutputExists
}

// CheckOutput refuses, before any device is touched, an output path a
// dump (or parse) could not finish at: "-" (the image is written only once
// verified, beside its journal), a folder that does not exist or cannot be
// written, anything but a regular file in the way (never replaced, not
// even with force), an existing file without force, and a disk without
// room for size bytes (0: not known yet). The error is an *OutputError.
func CheckOutput(path string, size uint64, force bool) error {
	if path == "-" {
		return &OutputError{Path: path, Problem: OutputStdout}
	}
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.IsDir():
		return &OutputError{Path: path, Problem: OutputFolder}
	case err == nil && !st.Mode().IsRegular():
		return &OutputError{Path: path, Problem: OutputNotFile, Detail: kind(st.Mode())}
	case err == nil && !force:
		return &OutputError{Path: path, Problem: OutputExists}
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return &OutputError{Path: path, Problem: OutputStat, Detail: err.Error()}
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return &OutputError{Path: dir, Problem: OutputNoFolder}
	}
	probe, err := os.CreateTemp(dir, ".bootdump-check-*")
	if err != nil {
		detail := err.Error()
		if inner := errors.Unwrap(err); inner != nil {
			detail = inner.Error()
		}
		return &OutputError{Path: dir, Problem: OutputReadOnly, Detail: detail}
	}
	probe.Close()
	os.Remove(probe.Name())
	if free, ok := freeSpace(dir); ok && size > free {
		return &OutputError{Path: dir, Problem: OutputNoRoom, Free: free, Need: size}
	}
	return nil
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

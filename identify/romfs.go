package identify

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"path"
)

// romfsDetector finds romfs file systems (Documentation/filesystems/romfs
// in Linux): the volume checksum covers the first 512 bytes, each file
// header's checksum its header and name. File data has no checksum.
type romfsDetector struct{}

func (romfsDetector) Type() string     { return "romfs" }
func (romfsDetector) Magics() [][]byte { return [][]byte{[]byte("-rom1fs-")} }

func (romfsDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	h := header(r, off, end, 32)
	if h == nil {
		return nil
	}
	full := int64(binary.BigEndian.Uint32(h[8:]))
	if full < 32 {
		return nil
	}
	f := &Finding{Offset: off, Length: full, Type: "romfs", Verdict: OK}
	name, nameLen := cString(h[16:])
	if nameLen == len(h)-16 || !printable(name) && name != "" {
		return nil // the volume name is text, NUL-terminated within its 16 bytes
	}
	fs := romfs{r: io.NewSectionReader(r, off, min(full, end-off)), size: min(full, end-off)}
	if full > end-off {
		// A size past the end is believed only with a good checksum.
		if _, _, err := fs.volume(); err != nil {
			return nil
		}
		f.truncated("header", full, end-off)
		f.Summary = fmt.Sprintf("romfs %q", name)
		return f
	}
	name, first, err := fs.volume()
	f.add("volume", "%s", name)
	f.add("checked", "volume checksum and every file header (romfs has no checksum over file data)")
	if err != nil {
		f.damage("%v", err)
		f.Summary = fmt.Sprintf("romfs %q", name)
		return f
	}
	f.Files, err = fs.walk(first, "", nil)
	if err != nil {
		f.damage("%v", err)
	}
	f.Summary = fmt.Sprintf("romfs %q, %d entries", name, len(f.Files))
	return f
}

// romfs reads the file system in r.
type romfs struct {
	r    io.ReaderAt
	size int64
	seen int // headers read, to stop a loop in damaged links
}

const (
	romfsHardLink = 0
	romfsDir      = 1
	romfsFile     = 2
)

// volume checks the volume header and returns its name and where the first
// file header is.
func (fs *romfs) volume() (string, int64, error) {
	n := min(512, fs.size) &^ 3
	b := make([]byte, n)
	if err := readAt(fs.r, b, 0); err != nil {
		return "", 0, err
	}
	name, nameLen := cString(b[16:])
	if sum := sum32(b); sum != 0 {
		return name, 0, fmt.Errorf("volume checksum mismatch (sum 0x%08X, want 0)", sum)
	}
	return name, int64(16 + align16(nameLen+1)), nil
}

// walk follows the header chain from at, checking each header, and lists
// the paths (directories end in /). visit, when not nil, gets each entry.
func (fs *romfs) walk(at int64, dir string, visit func(p string, kind int, data io.Reader) error) ([]string, error) {
	var files []string
	for at != 0 {
		if fs.seen++; fs.seen > 1<<16 {
			return files, fmt.Errorf("too many headers: the links loop")
		}
		if at < 0 || at%16 != 0 || at+32 > fs.size {
			return files, fmt.Errorf("file header at 0x%x is outside the file system", at)
		}
		hdr := make([]byte, min(fs.size-at, 16+256))
		if err := readAt(fs.r, hdr, at); err != nil {
			return files, err
		}
		name, nameLen := cString(hdr[16:])
		headerLen := 16 + align16(nameLen+1)
		if int64(headerLen) > int64(len(hdr)) {
			return files, fmt.Errorf("file header at 0x%x: name too long", at)
		}
		if sum := sum32(hdr[:headerLen]); sum != 0 {
			return files, fmt.Errorf("file header at 0x%x (%q): checksum mismatch", at, name)
		}
		next := int64(binary.BigEndian.Uint32(hdr) &^ 15)
		kind := int(binary.BigEndian.Uint32(hdr) & 7)
		info := int64(binary.BigEndian.Uint32(hdr[4:]))
		dataLen := int64(binary.BigEndian.Uint32(hdr[8:]))
		p := path.Join(dir, name)
		if name != "." && name != ".." && kind != romfsHardLink {
			dataAt := at + int64(headerLen)
			if kind != romfsDir && dataAt+dataLen > fs.size {
				return files, fmt.Errorf("file %q runs past the end of the file system", p)
			}
			if kind == romfsDir {
				files = append(files, p+"/")
			} else {
				files = append(files, p)
			}
			if visit != nil {
				if err := visit(p, kind, io.NewSectionReader(fs.r, dataAt, dataLen)); err != nil {
					return files, err
				}
			}
			if kind == romfsDir {
				sub, err := fs.walk(info, p, visit)
				files = append(files, sub...)
				if err != nil {
					return files, err
				}
			}
		}
		at = next
	}
	return files, nil
}

// sum32 adds big-endian 32-bit words, as romfs checksums do.
func sum32(b []byte) uint32 {
	var s uint32
	for i := 0; i+4 <= len(b); i += 4 {
		s += binary.BigEndian.Uint32(b[i:])
	}
	return s
}

// cString returns the zero-terminated string at the start of b and its length.
func cString(b []byte) (string, int) {
	n := bytes.IndexByte(b, 0)
	if n < 0 {
		n = len(b)
	}
	return string(b[:n]), n
}

func align16(n int) int { return (n + 15) &^ 15 }

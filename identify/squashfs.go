package identify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"time"

	"github.com/diskfs/go-diskfs/backend"
	"github.com/diskfs/go-diskfs/filesystem/squashfs"
)

// squashfsDetector finds squashfs 4.0 file systems. Squashfs has no
// checksum; the check is reading every file through go-diskfs, which
// decompresses every block (zlib's Adler-32 and xz's CRC catch damage there).
type squashfsDetector struct{}

const squashfsSuperblock = 96

func (squashfsDetector) Type() string     { return "squashfs" }
func (squashfsDetector) Magics() [][]byte { return [][]byte{[]byte("hsqs")} }

var squashfsCompressors = map[uint16]string{1: "gzip", 2: "lzma", 3: "lzo", 4: "xz", 5: "lz4", 6: "zstd"}

func (squashfsDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	h := header(r, off, end, squashfsSuperblock)
	if h == nil {
		return nil
	}
	le := binary.LittleEndian
	blockSize, blockLog := le.Uint32(h[12:]), le.Uint16(h[22:])
	comp := squashfsCompressors[le.Uint16(h[20:])]
	used := int64(le.Uint64(h[40:]))
	if le.Uint16(h[28:]) != 4 || le.Uint16(h[30:]) != 0 || blockLog < 12 || blockLog > 20 ||
		blockSize != 1<<blockLog || comp == "" || used < squashfsSuperblock {
		return nil
	}
	for _, at := range []int{48, 64, 72} { // id, inode and directory tables
		if int64(le.Uint64(h[at:])) >= used {
			return nil
		}
	}
	f := &Finding{Offset: off, Length: used, Type: "squashfs", Verdict: OK}
	f.add("version", "4.0")
	f.add("compression", "%s", comp)
	f.add("block size", "%d", blockSize)
	f.add("inodes", "%d", le.Uint32(h[4:]))
	f.add("created", "%s", time.Unix(int64(le.Uint32(h[8:])), 0).UTC().Format(time.DateTime))
	f.Summary = fmt.Sprintf("squashfs 4.0, %s, %d inodes", comp, le.Uint32(h[4:]))
	if used > end-off {
		f.truncated("superblock", used, end-off)
		return f
	}
	// mksquashfs pads the image with zeros to a 4 KiB boundary: they are
	// part of it, not something unknown after it.
	if pad := (used+4095)&^4095 - used; pad > 0 && used+pad <= end-off && zeros(r, off+used, pad) {
		f.Length = used + pad
		f.add("padding", "%d bytes of 0x00 to 4 KiB", pad)
	}
	files, err := squashfsWalk(r, off, used, nil)
	f.Files = files
	if err != nil {
		f.damage("%v", err)
	}
	f.Summary += fmt.Sprintf(", %d files read", len(files))
	return f
}

// zeros: the n bytes at off are all 0x00.
func zeros(r io.ReaderAt, off, n int64) bool {
	b := make([]byte, n)
	if readAt(r, b, off) != nil {
		return false
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// squashfsWalk reads every file of the file system at off, giving each to
// visit (when not nil) and listing their paths.
func squashfsWalk(r io.ReaderAt, off, n int64, visit func(path string, d iofs.DirEntry, content io.Reader) error) (files []string, err error) {
	defer func() {
		// go-diskfs trusts the metadata it reads; damaged metadata may
		// make it index out of range.
		if p := recover(); p != nil {
			err = fmt.Errorf("file tree unreadable: %v", p)
		}
	}()
	fsys, err := squashfs.Read(sectionStorage{io.NewSectionReader(r, off, n)}, n, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("file tree unreadable: %w", err)
	}
	err = iofs.WalkDir(fsys, ".", func(path string, d iofs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if path == "." {
			return nil
		}
		files = append(files, path)
		var content io.Reader
		if d.Type().IsRegular() {
			file, err := fsys.Open(path)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			defer file.Close()
			content = file
		}
		if visit != nil {
			return visit(path, d, content)
		}
		if content != nil {
			if _, err := io.Copy(io.Discard, content); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return nil
	})
	return files, err
}

// sectionStorage lets go-diskfs read a section of the image.
type sectionStorage struct{ *io.SectionReader }

var errReadOnly = errors.New("read-only image section")

func (s sectionStorage) Stat() (iofs.FileInfo, error)            { return nil, errReadOnly }
func (s sectionStorage) Close() error                            { return nil }
func (s sectionStorage) Sys() (*os.File, error)                  { return nil, errReadOnly }
func (s sectionStorage) Writable() (backend.WritableFile, error) { return nil, errReadOnly }
func (s sectionStorage) Path() string                            { return "" }

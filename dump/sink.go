package dump

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
)

// sink keeps a dump's verified chunks: the image file with its journal
// (the one sink a dump resumes from), or a caller's io.WriterAt.
type sink interface {
	io.WriterAt
	io.ReaderAt
	// create makes room for a new dump of size bytes.
	create(size uint64) error
	// partial names where the data is until it is complete ("" for none).
	partial() string
	// commit makes the data written so far durable, then the record that
	// vouches for it.
	commit(rec *Record) error
	// finish completes the image: its hashes in rec, the file in place.
	finish(rec *Record) error
	close() error
}

// fileSink is FILE.bootdump.part and the journal FILE.bootdump.json,
// the part renamed to FILE when every chunk is in.
type fileSink struct {
	out  string
	part *os.File
}

func (f *fileSink) partPath() string { return PartPath(f.out) }
func (f *fileSink) partial() string  { return f.partPath() }

func (f *fileSink) create(size uint64) error {
	p, err := os.OpenFile(f.partPath(), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", f.partPath(), err)
	}
	if err := p.Truncate(int64(size)); err != nil {
		p.Close()
		return fmt.Errorf("make room for %d bytes in %s: %w", size, f.partPath(), err)
	}
	f.part = p
	return nil
}

func (f *fileSink) WriteAt(b []byte, off int64) (int, error) {
	n, err := f.part.WriteAt(b, off)
	if err != nil {
		err = fmt.Errorf("write %s: %w", f.partPath(), err)
	}
	return n, err
}

func (f *fileSink) ReadAt(b []byte, off int64) (int, error) {
	n, err := f.part.ReadAt(b, off)
	if err != nil {
		err = fmt.Errorf("read %s: %w", f.partPath(), err)
	}
	return n, err
}

// commit: data first, then the journal that vouches for it.
func (f *fileSink) commit(rec *Record) error {
	if f.part != nil {
		if err := f.part.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", f.partPath(), err)
		}
	}
	if err := rec.save(RecordPath(f.out)); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}

// finish hashes the data file and renames it into place.
func (f *fileSink) finish(rec *Record) error {
	if _, err := f.part.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sh, cr := sha256.New(), crc32.NewIEEE()
	if _, err := io.Copy(io.MultiWriter(sh, cr), f.part); err != nil {
		return fmt.Errorf("read back %s: %w", f.partPath(), err)
	}
	if err := f.part.Sync(); err != nil {
		return err
	}
	if err := f.close(); err != nil {
		return err
	}
	if err := os.Rename(f.partPath(), f.out); err != nil {
		return fmt.Errorf("move the finished image into place: %w", err)
	}
	rec.State, rec.Partial = StateComplete, ""
	rec.SHA256, rec.CRC32 = hex.EncodeToString(sh.Sum(nil)), fmt.Sprintf("%08x", cr.Sum32())
	return f.commit(rec)
}

func (f *fileSink) close() error {
	if f.part == nil {
		return nil
	}
	err := f.part.Close()
	f.part = nil
	return err
}

// writerSink hands each verified chunk to a caller's io.WriterAt, in
// order (nothing is resumed into it), hashing as it goes.
type writerSink struct {
	w    io.WriterAt
	next int64
	sh   hash.Hash
	cr   hash.Hash32
}

func (s *writerSink) create(uint64) error {
	s.next, s.sh, s.cr = 0, sha256.New(), crc32.NewIEEE()
	return nil
}

func (s *writerSink) partial() string { return "" }

func (s *writerSink) WriteAt(b []byte, off int64) (int, error) {
	if off != s.next {
		return 0, fmt.Errorf("chunk at %#x out of order (next %#x)", off, s.next)
	}
	n, err := s.w.WriteAt(b, off)
	s.sh.Write(b[:n])
	s.cr.Write(b[:n])
	s.next += int64(n)
	return n, err
}

// ReadAt is never needed: nothing is resumed into a writer.
func (s *writerSink) ReadAt([]byte, int64) (int, error) {
	return 0, fmt.Errorf("a writer's dump keeps no data to read back")
}

func (s *writerSink) commit(*Record) error { return nil }

func (s *writerSink) finish(rec *Record) error {
	rec.State, rec.Partial = StateComplete, ""
	rec.SHA256, rec.CRC32 = hex.EncodeToString(s.sh.Sum(nil)), fmt.Sprintf("%08x", s.cr.Sum32())
	return nil
}

func (s *writerSink) close() error { return nil }

// Memory is an io.WriterAt over buf, for a dump into memory: it takes
// what fits and says so for the rest.
func Memory(buf []byte) io.WriterAt { return memory(buf) }

type memory []byte

func (m memory) WriteAt(b []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(b)) > int64(len(m)) {
		return 0, fmt.Errorf("%d bytes at %#x do not fit a buffer of %d", len(b), off, len(m))
	}
	return copy(m[off:], b), nil
}

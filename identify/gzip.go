package identify

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// gzipDetector finds gzip members (RFC 1952) and inflates them to the end,
// checking the CRC-32 and size in the trailer.
type gzipDetector struct{}

func (gzipDetector) Type() string     { return "gzip" }
func (gzipDetector) Magics() [][]byte { return [][]byte{{0x1f, 0x8b, 0x08}} }

func (gzipDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	h := header(r, off, end, 10)
	if h == nil || h[3]&0xE0 != 0 || (h[8] != 0 && h[8] != 2 && h[8] != 4) || (h[9] > 13 && h[9] != 255) {
		return nil
	}
	f := &Finding{Offset: off, Type: "gzip", Verdict: OK}
	cr := newCountingReader(r, off, end)
	if _, err := cr.Read(make([]byte, 10)); err != nil {
		return nil
	}
	flags := h[3]
	name := ""
	if flags&0x04 != 0 { // FEXTRA
		var xlen [2]byte
		if _, err := io.ReadFull(cr, xlen[:]); err != nil {
			return nil
		}
		if _, err := io.CopyN(io.Discard, cr, int64(binary.LittleEndian.Uint16(xlen[:]))); err != nil {
			return nil
		}
	}
	for _, bit := range []byte{0x08, 0x10} { // FNAME, FCOMMENT
		if flags&bit == 0 {
			continue
		}
		s, err := cr.br.ReadBytes(0)
		cr.n += int64(len(s))
		if err != nil || len(s) > 1024 {
			return nil
		}
		if bit == 0x08 {
			name = string(s[:len(s)-1])
		}
	}
	if flags&0x02 != 0 { // FHCRC
		if _, err := io.CopyN(io.Discard, cr, 2); err != nil {
			return nil
		}
	}
	sum := crc32.NewIEEE()
	out := &cappedWriter{w: sum, limit: maxDecompressed}
	_, err := io.Copy(out, flate.NewReader(cr))
	var trailer [8]byte
	if err == nil {
		_, err = io.ReadFull(cr, trailer[:])
	}
	f.Length = cr.n
	if err != nil {
		if cr.n < minEvidence && out.n < minEvidence && !printable(name) {
			return nil
		}
		f.damage("inflate failed at byte %d of the stream: %v", cr.n, err)
	} else if want := binary.LittleEndian.Uint32(trailer[:4]); want != sum.Sum32() {
		f.damage("CRC mismatch (trailer 0x%08X, data 0x%08X)", want, sum.Sum32())
	} else if want := binary.LittleEndian.Uint32(trailer[4:]); want != uint32(out.n) {
		f.damage("size mismatch (trailer %d, data %d)", want, out.n)
	}
	if name != "" {
		f.add("name", "%s", name)
	}
	if mtime := binary.LittleEndian.Uint32(h[4:]); mtime != 0 {
		f.add("modified", "%s", time.Unix(int64(mtime), 0).UTC().Format(time.DateTime))
	}
	f.add("uncompressed", "%d", out.n)
	f.Summary = fmt.Sprintf("gzip, %s uncompressed", size(out.n))
	if name != "" {
		f.Summary += fmt.Sprintf(", was %q", name)
	}
	return f
}

// printable says whether s is non-empty text, as a file name would be.
func printable(s string) bool {
	if s == "" {
		return false
	}
	return bytes.IndexFunc([]byte(s), func(r rune) bool { return r < 0x20 || r > 0x7e }) < 0
}

package identify

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/ulikunitz/xz"
)

// xzDetector finds xz streams and decompresses them, which checks every
// block's CRC-32, CRC-64 or SHA-256 and the index.
type xzDetector struct{}

var xzMagic = []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}

func (xzDetector) Type() string     { return "xz" }
func (xzDetector) Magics() [][]byte { return [][]byte{xzMagic} }

func (xzDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	h := header(r, off, end, 12)
	// The stream flags are a zero byte and a check type, CRC-32 protected.
	if h == nil || h[6] != 0 || h[7]&0xF0 != 0 || !xzFlagsOK(h) {
		return nil
	}
	f := &Finding{Offset: off, Type: "xz", Verdict: OK}
	cr := newCountingReader(r, off, end)
	out := &cappedWriter{limit: maxDecompressed}
	zr, err := xz.ReaderConfig{SingleStream: true}.NewReader(cr)
	if err == nil {
		_, err = io.Copy(out, zr)
	}
	f.Length = cr.n
	// A single-stream reader reads one byte past its stream to make sure the
	// stream is all there is; here the image goes on, so that byte is the
	// next thing in the image, and the error it causes means success.
	if err != nil && err.Error() == "xz: unexpected data after stream" {
		err = nil
		f.Length--
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("truncated (%w)", err)
		}
		f.damage("decompression failed at byte %d of the stream: %v", cr.n, err)
	}
	check := map[byte]string{0: "none", 1: "CRC-32", 4: "CRC-64", 10: "SHA-256"}[h[7]&0x0F]
	f.add("check", "%s", check)
	f.add("uncompressed", "%d", out.n)
	f.Summary = fmt.Sprintf("xz, %s uncompressed, %s check", size(out.n), check)
	return f
}

func xzFlagsOK(h []byte) bool {
	return bytes.Equal(h[:6], xzMagic) && crc32.ChecksumIEEE(h[6:8]) == binary.LittleEndian.Uint32(h[8:12])
}

package identify

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"

	"github.com/ulikunitz/xz/lzma"
)

// lzmaDetector finds LZMA-alone streams (the .lzma of xz-utils, and what
// uImages call lzma). They carry no magic and no checksum: a hit is the
// usual properties byte with a sane dictionary and size, and the verdict
// rests on decoding to the end marker or the stated size.
type lzmaDetector struct{}

func (lzmaDetector) Type() string { return "lzma" }

// Magics: properties lc=3 lp=0 pb=2 (0x5D, the default of every encoder) or
// lc=1 lp=2 pb=2 (0x6D, the 32-bit-aligned setting), then a dictionary of at
// least 64 KiB, whose two low bytes are zero.
func (lzmaDetector) Magics() [][]byte {
	return [][]byte{{0x5D, 0, 0}, {0x6D, 0, 0}}
}

func (lzmaDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	h := header(r, off, end, 13)
	if h == nil {
		return nil
	}
	dict := binary.LittleEndian.Uint32(h[1:])
	usize := binary.LittleEndian.Uint64(h[5:])
	known := usize != ^uint64(0)
	if !dictSizeOK(dict) || (known && (usize == 0 || usize > maxDecompressed)) {
		return nil
	}
	f := &Finding{Offset: off, Type: "lzma", Verdict: Unverifiable}
	cr := newCountingReader(r, off, end)
	out := &cappedWriter{limit: maxDecompressed}
	zr, err := lzma.NewReader(cr)
	if err == nil {
		_, err = io.Copy(out, zr)
	}
	f.Length = cr.n
	switch {
	case err != nil && cr.n < minEvidence:
		return nil
	case err != nil:
		f.damage("decoding failed at byte %d of the stream: %v", cr.n, err)
	case known && uint64(out.n) != usize:
		f.damage("decoded %d bytes, header says %d", out.n, usize)
	default:
		f.Reason = "decodes to its end; LZMA-alone carries no checksum"
	}
	f.add("properties", "0x%02X", h[0])
	f.add("dictionary", "%d", dict)
	f.add("uncompressed", "%d", out.n)
	f.Summary = fmt.Sprintf("LZMA, %s uncompressed, dictionary %s", size(out.n), size(int64(dict)))
	return f
}

// dictSizeOK accepts 2^n or 2^n+2^(n-1) from 64 KiB to 1.5 GiB, the sizes
// encoders write.
func dictSizeOK(d uint32) bool {
	if d < 64<<10 || d > 3<<29 {
		return false
	}
	return bits.OnesCount32(d) == 1 || (bits.OnesCount32(d) == 2 && d&(d>>1) != 0)
}

package dump

import (
	"context"
	"fmt"
	"io"

	"github.com/bootdump/bootdump/dialect"
)

// Range is a span of device addresses.
type Range struct {
	Addr uint64 `json:"addr"`
	Size uint64 `json:"size"`
}

func (r Range) String() string {
	if r.Size == 1 {
		return fmt.Sprintf("%#x (1 byte)", r.Addr)
	}
	return fmt.Sprintf("%#x..%#x (%d bytes)", r.Addr, r.Addr+r.Size-1, r.Size)
}

// Verify compares img (size bytes, for the device range at addr) with the
// device using nothing but the device's checksums: no dump. It returns the
// ranges that differ, each from its first differing byte to its last
// (found by halving).
func Verify(ctx context.Context, dev dialect.Checksummer, addr uint64, img io.ReaderAt, size uint64, chunk int, progress func(Progress)) ([]Range, error) {
	if chunk <= 0 {
		chunk = 64 << 10
	}
	v := &verifier{ctx: ctx, dev: dev, addr: addr, img: img, buf: make([]byte, chunk)}
	var diffs []Range
	for off := uint64(0); off < size; off += uint64(chunk) {
		n := min(uint64(chunk), size-off)
		same, err := v.same(off, n)
		if err != nil {
			return diffs, err
		}
		if !same {
			r, err := v.narrow(off, n)
			if err != nil {
				return diffs, err
			}
			if k := len(diffs); k > 0 && diffs[k-1].Addr+diffs[k-1].Size == r.Addr {
				diffs[k-1].Size += r.Size
			} else {
				diffs = append(diffs, r)
			}
		}
		if progress != nil {
			progress(Progress{Done: off + n, Total: size})
		}
	}
	return diffs, nil
}

type verifier struct {
	ctx  context.Context
	dev  dialect.Checksummer
	addr uint64
	img  io.ReaderAt
	buf  []byte
}

// same compares n bytes at offset off by checksum.
func (v *verifier) same(off, n uint64) (bool, error) {
	b := v.buf[:n]
	if k, err := v.img.ReadAt(b, int64(off)); uint64(k) != n {
		return false, fmt.Errorf("read the image at offset %#x: %w", off, err)
	}
	want := v.dev.Algorithm().Sum(b)
	got, err := v.dev.Checksum(v.ctx, v.addr+off, n)
	if err != nil {
		return false, err
	}
	return got == want, nil
}

// narrow shrinks a differing span to its first and last differing byte:
// the longest prefix, then the longest suffix, whose checksums agree, each
// found by halving (a prefix that agrees has no difference in it).
func (v *verifier) narrow(off, n uint64) (Range, error) {
	lo, hi := uint64(0), n // a prefix of lo agrees; one of hi does not
	for hi-lo > 1 {
		m := (lo + hi) / 2
		same, err := v.same(off, m)
		if err != nil {
			return Range{}, err
		}
		if same {
			lo = m
		} else {
			hi = m
		}
	}
	off, n = off+lo, n-lo
	lo, hi = 0, n // now suffixes
	for hi-lo > 1 {
		m := (lo + hi) / 2
		same, err := v.same(off+n-m, m)
		if err != nil {
			return Range{}, err
		}
		if same {
			lo = m
		} else {
			hi = m
		}
	}
	return Range{Addr: v.addr + off, Size: n - lo}, nil
}

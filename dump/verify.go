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
// ranges that differ; a difference confined to one spot is narrowed down
// by halving, to the byte.
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

// narrow halves a differing span while only one half differs.
func (v *verifier) narrow(off, n uint64) (Range, error) {
	for n > 1 {
		half := n / 2
		firstSame, err := v.same(off, half)
		if err != nil {
			return Range{}, err
		}
		if firstSame {
			off, n = off+half, n-half
			continue
		}
		secondSame, err := v.same(off+half, n-half)
		if err != nil {
			return Range{}, err
		}
		if !secondSame {
			break // differences on both sides: report the span
		}
		n = half
	}
	return Range{Addr: v.addr + off, Size: n}, nil
}

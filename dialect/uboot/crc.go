package uboot

import (
	"context"

	"github.com/bootdump/bootdump/dialect"
)

// What a session can do is said by the interfaces it has, once: only a
// build with crc32 has a checksum, and so confirms erased ranges on the
// board (the scratch buffer it compares against is proven by crc32) and
// writes flash (every block is checked by crc32). A build without it is
// the plain *Session (or *Window); with it, the same wrapped.

// withCRC is a session on a build with crc32.
type withCRC struct{ *Session }

// Checksum asks the board for the IEEE CRC-32 of n bytes at addr.
func (c withCRC) Checksum(ctx context.Context, addr, n uint64) (uint32, error) {
	return c.crc32(ctx, addr, n)
}

// Algorithm is crc32's: the IEEE CRC-32.
func (withCRC) Algorithm() dialect.Algorithm { return dialect.CRC32 }

// IsFilled tells whether n bytes at addr all equal fill, by comparing them
// on the board with a RAM buffer filled once with mw.b.
func (c withCRC) IsFilled(ctx context.Context, addr, n uint64, fill byte) (bool, error) {
	return c.isFilled(ctx, addr, n, fill)
}

// OpenWindow opens a window that checksums too.
func (c withCRC) OpenWindow(ctx context.Context, src dialect.Source, opt dialect.WindowOptions) (dialect.FlashWindow, error) {
	w, err := c.openWindow(ctx, src, opt)
	if err != nil {
		return nil, err
	}
	return windowWithCRC{w}, nil
}

// capable is the session as the interfaces it has say it.
func (s *Session) capable() dialect.Session {
	if s.noCRC {
		return s
	}
	return withCRC{s}
}

// windowWithCRC is a flash window of a build with crc32.
type windowWithCRC struct{ *Window }

// Checksum is crc32 of n bytes at off of the source, in the window.
func (w windowWithCRC) Checksum(ctx context.Context, off, n uint64) (uint32, error) {
	return w.crc32(ctx, off, n)
}

// Algorithm is crc32's.
func (windowWithCRC) Algorithm() dialect.Algorithm { return dialect.CRC32 }

// IsFilled tells, on the board, whether n bytes at off all equal fill.
func (w windowWithCRC) IsFilled(ctx context.Context, off, n uint64, fill byte) (bool, error) {
	return w.isFilled(ctx, off, n, fill)
}

// Package dialecttest has in-memory fakes of what a bootloader offers, for
// testing the dump engine, restore and the library without a board: a
// Session (memory, its checksum, its erase check), a Programmer (a NOR
// flash it erases and programs, uploads into RAM) and a flash Window,
// each with knobs for the faults of real boards and lines. They do what
// the interfaces say, and count what they were asked.
package dialecttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// Region is memory at an address: RAM, or flash.
type Region struct {
	Base uint64
	Data []byte
}

func (r *Region) holds(addr, n uint64) bool {
	return addr >= r.Base && addr+n >= addr && addr+n <= r.Base+uint64(len(r.Data))
}

// Faults are what goes wrong, by the address of the read it strikes: each
// count is how many reads starting there it strikes before it stops.
type Faults struct {
	Flip   map[uint64]int // the bytes come back with a bit flipped that no line check caught
	Garble map[uint64]int // the read fails as a damaged dump line (dialect.ErrGarbled)
	Reset  map[uint64]int // the board resets (console.ErrReset); Resync brings the prompt back
	Drop   map[uint64]int // the line is lost (console.ErrClosed); Reconnect brings it back
	// NoRedial: a lost line cannot be opened again (dialect.ErrCannotRedial).
	NoRedial bool
}

// Counts are what a fake was asked.
type Counts struct {
	Reads, Checksums, FillChecks, Resyncs, Reconnects int
}

// Session is a board whose memory is Regions, with a checksum command
// (CRC-32) and an erase check.
type Session struct {
	Regions []*Region
	Faults  Faults
	Ident   dialect.Identity
	mu      sync.Mutex
	counts  Counts
	lost    bool // the line is down until Reconnect
	// Range is what the session was told it will read (RangeUser).
	Range [2]uint64
}

var (
	_ dialect.Session     = (*Session)(nil)
	_ dialect.Checksummer = (*Session)(nil)
	_ dialect.FillChecker = (*Session)(nil)
	_ dialect.RangeUser   = (*Session)(nil)
)

// NewSession is a board with one region of memory, at base.
func NewSession(base uint64, mem []byte) *Session {
	return &Session{Regions: []*Region{{Base: base, Data: mem}}, Ident: dialect.Identity{Dialect: "fake", Prompt: "fake> ", Command: "fake-md", AddrBits: 32, Checksum: "crc32"}}
}

// Counts says what the session was asked so far.
func (s *Session) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// region finds what holds [addr, addr+n).
func (s *Session) region(addr, n uint64) (*Region, error) {
	for _, r := range s.Regions {
		if r.holds(addr, n) {
			return r, nil
		}
	}
	return nil, fmt.Errorf("%#x..%#x is not mapped: %w", addr, addr+n-1, console.ErrReset)
}

// strike takes one fault of the kind at addr, if one is left.
func strike(faults map[uint64]int, addr uint64) bool {
	if faults[addr] > 0 {
		faults[addr]--
		return true
	}
	return false
}

// ReadMemory copies memory at addr into dst, unless a fault strikes.
func (s *Session) ReadMemory(_ context.Context, addr uint64, dst []byte, progress func(int)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts.Reads++
	f := &s.Faults
	switch {
	case s.lost:
		return fmt.Errorf("read %#x: %w", addr, console.ErrClosed)
	case strike(f.Drop, addr):
		s.lost = true
		return fmt.Errorf("read %#x: %w", addr, console.ErrClosed)
	case strike(f.Reset, addr):
		return fmt.Errorf("read %#x: %w", addr, console.ErrReset)
	case strike(f.Garble, addr):
		return dialect.Garbled(fmt.Errorf("a line at %#x failed its checks", addr))
	}
	r, err := s.region(addr, uint64(len(dst)))
	if err != nil {
		return err
	}
	copy(dst, r.Data[addr-r.Base:])
	if strike(f.Flip, addr) {
		dst[len(dst)/2] ^= 0x10
	}
	if progress != nil {
		progress(len(dst))
	}
	return nil
}

// Checksum is the CRC-32 of n bytes at addr, as the board computes it.
func (s *Session) Checksum(_ context.Context, addr, n uint64) (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts.Checksums++
	if s.lost {
		return 0, fmt.Errorf("checksum %#x: %w", addr, console.ErrClosed)
	}
	r, err := s.region(addr, n)
	if err != nil {
		return 0, err
	}
	return crc32.ChecksumIEEE(r.Data[addr-r.Base : addr-r.Base+n]), nil
}

// Algorithm is the board's checksum: CRC-32.
func (s *Session) Algorithm() dialect.Algorithm { return dialect.CRC32 }

// IsFilled compares n bytes at addr with fill, on the board.
func (s *Session) IsFilled(_ context.Context, addr, n uint64, fill byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts.FillChecks++
	r, err := s.region(addr, n)
	if err != nil {
		return false, err
	}
	return bytes.Count(r.Data[addr-r.Base:addr-r.Base+n], []byte{fill}) == int(n), nil
}

// UseRange keeps what the session was told it reads.
func (s *Session) UseRange(addr, size uint64) { s.Range = [2]uint64{addr, size} }

// Identity is the fake's.
func (s *Session) Identity() dialect.Identity { return s.Ident }

// Resync finds the prompt again: a board that reset is back.
func (s *Session) Resync(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts.Resyncs++
	if s.lost {
		return fmt.Errorf("resync: %w", console.ErrClosed)
	}
	return nil
}

// Reconnect opens the line again, unless NoRedial.
func (s *Session) Reconnect(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Faults.NoRedial {
		return dialect.ErrCannotRedial
	}
	s.counts.Reconnects++
	s.lost = false
	return nil
}

// Console: the fake has none.
func (s *Session) Console() *console.Console { return nil }

// LineChars is what a 16-byte line of U-Boot's md.l costs.
func (s *Session) LineChars(uint64) int { return 67 }

// AddrBits is the fake's address width.
func (s *Session) AddrBits() int { return max(s.Ident.AddrBits, 32) }

// Close does nothing.
func (s *Session) Close() error { return nil }

// ErrFake is what a fake's injected failures wrap.
var ErrFake = errors.New("a fault the test injected")

package uboot

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"github.com/bootdump/bootdump/dialect"
)

// ErrNoScratch: no RAM buffer could be found outside the range being read.
var ErrNoScratch = fmt.Errorf("no RAM scratch buffer: %w", dialect.ErrUnsupported)

// scratchVars are environment variables that name RAM free for loading
// images, in order of preference.
var scratchVars = []string{"loadaddr", "kernel_addr_r", "scriptaddr", "ramdisk_addr_r", "fdt_addr_r", "pxefile_addr_r"}

// IsFilled tells whether n bytes at addr all equal fill, by comparing them
// on the board (cmp) with a RAM buffer filled once with mw.b. The compare
// uses the widest unit that fits: a quarter of the loop iterations, which
// slow boards (and emulators) feel.
func (s *Session) isFilled(ctx context.Context, addr, n uint64, fill byte) (bool, error) {
	if err := s.fillScratch(ctx, n, fill); err != nil {
		return false, err
	}
	w := uint64(4)
	if s.bits64 {
		w = 8
	}
	for w > 1 && (addr%w != 0 || n%w != 0 || s.scratch%w != 0) {
		w /= 2
	}
	cmd := fmt.Sprintf("cmp.%c %#x %#x %#x", "bw l   q"[w-1], addr, s.scratch, n/w)
	lines, err := s.con.Output(ctx, cmd)
	if err != nil {
		return false, err
	}
	for _, l := range lines {
		var same uint64
		if _, err := fmt.Sscanf(l, "Total of %d", &same); err == nil && strings.HasSuffix(l, "were the same") {
			return same == n/w, nil
		}
	}
	return false, fmt.Errorf("%s printed no total: %q", cmd, lines)
}

// fillScratch makes sure the scratch buffer holds at least n bytes of
// fill, and proves it with crc32 (the address might not be RAM after all).
func (s *Session) fillScratch(ctx context.Context, n uint64, fill byte) error {
	if s.noScratch != nil {
		return s.noScratch
	}
	if s.scratch == 0 {
		addr, err := s.findScratch(ctx, n)
		if err != nil {
			s.noScratch = err
			return err
		}
		s.scratch = addr
	}
	if s.scratchFill == int(fill) && s.scratchLen >= n {
		return nil
	}
	if _, err := s.con.Output(ctx, fmt.Sprintf("mw.b %#x %#x %#x", s.scratch, fill, n)); err != nil {
		return err
	}
	got, err := s.crc32(ctx, s.scratch, n)
	if err != nil {
		return err
	}
	if got != crc32.ChecksumIEEE(bytes.Repeat([]byte{fill}, int(n))) {
		s.noScratch = fmt.Errorf("%w: %#x did not keep what mw.b wrote", ErrNoScratch, s.scratch)
		return s.noScratch
	}
	s.scratchFill, s.scratchLen = int(fill), n
	return nil
}

// findScratch picks the first load address from the environment whose
// buffer does not overlap the range this session reads.
func (s *Session) findScratch(ctx context.Context, n uint64) (uint64, error) {
	vars, err := printenv(ctx, s.con, scratchVars...)
	if err != nil {
		return 0, err
	}
	for _, name := range scratchVars {
		a, err := strconv.ParseUint(strings.TrimPrefix(vars[name], "0x"), 16, 64)
		if err == nil && a != 0 && s.outsideRange(a, n) {
			s.log.Debug("RAM scratch buffer", "var", name, "addr", fmt.Sprintf("%#x", a))
			return a, nil
		}
	}
	// No load address fits: the middle of the first DRAM bank is below
	// where U-Boot relocates itself (the top) and above where it loads.
	if start, size, err := s.dramBank(ctx); err == nil {
		if a := start + size/2; s.outsideRange(a, n) {
			s.log.Debug("RAM scratch buffer", "bdinfo", fmt.Sprintf("%#x", a))
			return a, nil
		}
	}
	return 0, fmt.Errorf("%w outside %#x..%#x: neither %s nor the first DRAM bank offers one", ErrNoScratch, s.readAddr, s.readAddr+s.readSize-1, strings.Join(scratchVars, ", "))
}

// outsideRange: [a, a+n) overlaps neither the range the session reads
// nor its RAM window.
func (s *Session) outsideRange(a, n uint64) bool {
	clear := func(addr, size uint64) bool {
		end := addr + size
		return size == 0 || a+n <= addr || (end > addr && a >= end)
	}
	return clear(s.readAddr, s.readSize) && clear(s.windowRAM, s.windowSize)
}

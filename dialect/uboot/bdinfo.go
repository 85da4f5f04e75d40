package uboot

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/bootdump/bootdump/dialect"
)

// memoryMap is what bdinfo says of the board's memory: the first DRAM
// bank, where U-Boot runs, the areas it keeps for itself, and its flash.
// 2023.01 prints "-> start", "relocaddr" and an lmb table; 1.1.x prints
// "memstart" and "memsize" and nothing of where U-Boot runs.
type memoryMap struct {
	ramStart, ramSize uint64
	haveRAM           bool
	reloc             uint64 // relocaddr; 0 where bdinfo does not say
	flashStart        uint64
	flashSize         uint64 // 0 where bdinfo does not say
	haveFlash         bool
	bits64            bool        // "Build = 64-bit"
	reserved          [][2]uint64 // lmb's reserved areas, [first, last]
}

// ramEnd is the first address past the first DRAM bank.
func (m memoryMap) ramEnd() uint64 { return m.ramStart + m.ramSize }

// inRAM: [addr, addr+n) lies in the first DRAM bank.
func (m memoryMap) inRAM(addr, n uint64) bool {
	return m.haveRAM && addr >= m.ramStart && addr+n >= addr && addr+n <= m.ramEnd()
}

// ubootArea is the RAM U-Boot keeps for itself, where its global data,
// its heap (the jump table) and its relocated code are: lmb's reserved
// area that holds relocaddr, or, where bdinfo lists none (1.1.x), from
// gd to the top of the first bank (1.1.x's board_init_r puts gd, bd,
// the heap and the code in that order below the top of RAM). Reserved
// areas that do not hold U-Boot (an SBI firmware's, on RISC-V in S-mode)
// are never in it.
func (m memoryMap) ubootArea(from uint64) (lo, hi uint64, ok bool) {
	if m.reloc != 0 && len(m.reserved) > 0 {
		found := false
		for _, r := range m.reserved {
			if m.reloc >= r[0] && m.reloc <= r[1] && (!found || r[0] < lo) {
				lo, hi, found = r[0], r[1]+1, true
			}
		}
		return lo, hi, found
	}
	if !m.haveRAM || from < m.ramStart || from >= m.ramEnd() {
		return 0, 0, false
	}
	return from, m.ramEnd(), true
}

var lmbReserved = regexp.MustCompile(`^\s*reserved\[\d+\]\s*\[0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)\]`)

// parseBdinfo reads bdinfo's lines (2023.01's or 1.1.x's).
func parseBdinfo(lines []string) memoryMap {
	var m memoryMap
	haveSize := false
	for _, l := range lines {
		if g := lmbReserved.FindStringSubmatch(l); g != nil {
			first, e1 := strconv.ParseUint(g[1], 16, 64)
			last, e2 := strconv.ParseUint(g[2], 16, 64)
			if e1 == nil && e2 == nil && last >= first {
				m.reserved = append(m.reserved, [2]uint64{first, last})
			}
			continue
		}
		name, value, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		if strings.TrimSpace(name) == "Build" {
			m.bits64 = strings.HasPrefix(value, "64")
			continue
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.Fields(value + " x")[0], "0x"), 16, 64)
		if err != nil {
			continue
		}
		switch strings.TrimSpace(name) {
		case "-> start", "memstart":
			if !m.haveRAM {
				m.ramStart, m.haveRAM = v, true
			}
		case "-> size", "memsize":
			if !haveSize {
				m.ramSize, haveSize = v, true
			}
		case "relocaddr":
			m.reloc = v
		case "flashstart":
			m.flashStart, m.haveFlash = v, true
		case "flashsize":
			m.flashSize = v
		}
	}
	m.haveRAM = m.haveRAM && haveSize && m.ramSize > 0
	return m
}

// memoryMap asks bdinfo once per connection (a reset may bring another
// build; recover forgets it).
func (s *Session) memoryMap(ctx context.Context) (memoryMap, error) {
	if s.bdinfo != nil {
		return *s.bdinfo, nil
	}
	lines, err := s.con.Output(ctx, "bdinfo")
	if err != nil {
		return memoryMap{}, err
	}
	m := parseBdinfo(lines)
	s.bdinfo = &m
	return m, nil
}

// Memory is what U-Boot says the board has: its first DRAM bank and flash
// (bdinfo), and the NOR flash banks (flinfo).
func (s *Session) Memory(ctx context.Context) ([]dialect.Region, error) {
	m, err := s.memoryMap(ctx)
	if err != nil {
		return nil, err
	}
	var rs []dialect.Region
	if m.haveRAM {
		rs = append(rs, dialect.Region{Start: m.ramStart, Size: m.ramSize, What: "RAM", From: "bdinfo", RAM: true})
	}
	if m.haveFlash && m.flashSize > 0 {
		rs = append(rs, dialect.Region{Start: m.flashStart, Size: m.flashSize, What: "flash", From: "bdinfo"})
	}
	if banks, err := s.NORBanks(ctx); err == nil {
		for _, b := range banks {
			rs = append(rs, dialect.Region{Start: b.Start, Size: b.Size, What: fmt.Sprintf("NOR flash bank %d", b.Num), From: "flinfo"})
		}
	}
	return rs, nil
}

// dramBank is the first DRAM bank bdinfo lists.
func (s *Session) dramBank(ctx context.Context) (start, size uint64, err error) {
	m, err := s.memoryMap(ctx)
	if err != nil {
		return 0, 0, err
	}
	if !m.haveRAM {
		return 0, 0, fmt.Errorf("bdinfo lists no DRAM bank")
	}
	return m.ramStart, m.ramSize, nil
}

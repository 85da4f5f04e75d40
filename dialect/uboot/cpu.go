package uboot

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/bootdump/bootdump/binreader"
)

// Telling the board's CPU, so that no reader runs on a CPU it was not
// built for. 2023.01's version names the compiler; 1.1.x's names none,
// and then the evidence is the build (a MediaTek/Ralink or Atheros fork),
// the boot banner, and the address map bdinfo shows: MIPS runs from
// KSEG0 (RAM at 0x80000000, flash in KSEG0 or uncached KSEG1 up to
// 0xbfffffff), and a 64-bit MIPS build sign-extends it (0xffffffff80000000).

// cpuFamily is what the evidence says: the reader's family, before the
// byte order picks the blob.
type cpuFamily struct {
	name string // arm, arm64, riscv64, mips, mips64
	why  string
}

// mipsBanners are words of boot banners that only MIPS boards print:
// MediaTek/Ralink APSoCs, Atheros/QCA wireless SoCs, Broadcom's MIPS
// chips, Lantiq, Realtek.
var mipsBanners = []string{"Ralink APSoC", "Ralink UBoot", "ASIC 7628", "ASIC 7621", "ar7240", "ar9330", "ar9331", "ar934x",
	"AP121", "AP143", "ath_gmac", "ag7240", "ag7100", "BCM63", "Lantiq", "Realtek RTL8"}

// family reads the evidence: version's compiler line, else the build,
// the banner and bdinfo's address map.
func (s *Session) family(ctx context.Context) (cpuFamily, error) {
	lines, err := s.con.Output(ctx, "version")
	if err != nil {
		return cpuFamily{}, err
	}
	text := strings.Join(lines, "\n")
	m, err := s.memoryMap(ctx)
	if err != nil {
		return cpuFamily{}, err
	}
	bits64 := m.bits64 || s.bits64
	compiler := func(word string) string {
		for _, l := range lines {
			if strings.Contains(l, word) {
				return "version names " + strings.Fields(l)[0]
			}
		}
		return ""
	}
	switch {
	case strings.Contains(text, "aarch64"):
		return cpuFamily{"arm64", compiler("aarch64")}, nil
	case strings.Contains(text, "riscv64"):
		return cpuFamily{"riscv64", compiler("riscv64")}, nil
	case strings.Contains(text, "mips64") || strings.Contains(text, "mips") && bits64:
		return cpuFamily{"mips64", compiler("mips")}, nil
	case strings.Contains(text, "mips"):
		return cpuFamily{"mips", compiler("mips")}, nil
	case strings.Contains(text, "arm-"), strings.Contains(text, "armv"):
		return cpuFamily{"arm", compiler("arm")}, nil
	}
	// No compiler named: 1.1.x.
	mips := "mips"
	if bits64 {
		mips = "mips64"
	}
	switch {
	case s.name == "ralink" || s.name == "lsdk":
		return cpuFamily{mips, "a " + s.name + " build of U-Boot 1.1.x, which runs only on MIPS SoCs"}, nil
	case m.haveRAM && m.ramStart == 0xffffffff80000000:
		return cpuFamily{"mips64", "bdinfo shows RAM in MIPS64's sign-extended KSEG0 (0xffffffff80000000)"}, nil
	case m.haveRAM && m.haveFlash && m.ramStart == 0x80000000 && m.flashStart >= 0x90000000 && m.flashStart < 0xc0000000:
		return cpuFamily{"mips", fmt.Sprintf("bdinfo shows MIPS's map: RAM at 0x80000000 (KSEG0), flash at %#x", m.flashStart)}, nil
	}
	seen := s.con.Seen()
	for _, w := range mipsBanners {
		if strings.Contains(seen, w) {
			return cpuFamily{mips, fmt.Sprintf("the boot banner names %q, a MIPS SoC", w)}, nil
		}
	}
	return cpuFamily{}, finalError{fmt.Errorf("%w: cannot tell the CPU: version names no compiler, and neither the boot banner nor bdinfo's address map is one of a CPU with a reader (%s)", ErrNoBinaryReader, archNames())}
}

// archFor is the reader of family f in byte order o.
func archFor(f cpuFamily, o binary.ByteOrder) binreader.Arch {
	name := f.name
	switch {
	case f.name == "mips" && o == binary.LittleEndian:
		name = "mipsel"
	case f.name == "mips64" && o == binary.LittleEndian:
		name = "mips64el"
	}
	a, _ := binreader.ArchNamed(name)
	return a
}

// isMIPS: the reader runs through MIPS's uncached segment.
func isMIPS(a binreader.Arch) bool { return strings.HasPrefix(a.Name, "mips") }

// uncached is MIPS's uncached alias (KSEG1) of a KSEG0 address, on a
// 32-bit or a 64-bit (sign-extended) build: writes through it reach RAM
// at once, and code run from it is fetched from RAM, so that no cache
// can hold a stale copy of what was written.
func uncached(addr uint64) (uint64, error) {
	switch {
	case addr >= 0x80000000 && addr < 0xc0000000:
		return 0xa0000000 | addr&0x1fffffff, nil
	case addr >= 0xffffffff80000000 && addr < 0xffffffffc0000000:
		return 0xffffffffa0000000 | addr&0x1fffffff, nil
	}
	return 0, fmt.Errorf("%#x is not in MIPS's KSEG0 or KSEG1", addr)
}

// orderFromRAM learns the byte order by writing a word to RAM at addr and
// reading it back in halfwords (md.b would do, but not at 16-digit
// addresses, where U-Boot 2023.01's line buffer is too short for it).
func (s *Session) orderFromRAM(ctx context.Context, addr uint64) error {
	if _, err := s.con.Output(ctx, fmt.Sprintf("mw.l %#x 0x01020304", addr)); err != nil {
		return err
	}
	lines, err := s.mdOutput(ctx, fmt.Sprintf("md.w %#x 2", addr), 2)
	if err != nil {
		return err
	}
	for _, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[1] == "0304" && f[2] == "0102":
			s.order = binary.LittleEndian
			return nil
		case len(f) >= 3 && f[1] == "0102" && f[2] == "0304":
			s.order = binary.BigEndian
			return nil
		}
	}
	return fmt.Errorf("md.w of a word written at %#x printed %q", addr, lines)
}

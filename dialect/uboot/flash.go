package uboot

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bootdump/bootdump/dialect"
)

// unknownCommand says whether a command's output is U-Boot's answer to a
// command the build lacks.
func unknownCommand(lines []string) bool {
	return len(lines) > 0 && strings.HasPrefix(lines[0], "Unknown command")
}

// MTDDevices lists what `mtd list` shows: devices with their partitions.
func (s *Session) MTDDevices(ctx context.Context) ([]dialect.Flash, error) {
	lines, err := s.con.Output(ctx, "mtd list")
	if err != nil || unknownCommand(lines) {
		return nil, err
	}
	return parseMTDList(lines), nil
}

func parseMTDList(lines []string) []dialect.Flash {
	var devs []dialect.Flash
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if name, ok := strings.CutPrefix(t, "* "); ok {
			devs = append(devs, dialect.Flash{Kind: dialect.MTD, Name: name})
			continue
		}
		if len(devs) == 0 {
			continue
		}
		d := &devs[len(devs)-1]
		t = strings.TrimPrefix(t, "- ")
		key, value, _ := strings.Cut(t, ": ")
		switch {
		case key == "type":
			d.Type = value
		case key == "block size":
			d.EraseSize = leadingNumber(value)
		case key == "min I/O":
			d.PageSize = leadingNumber(value)
		case key == "OOB size":
			d.OOBSize = leadingNumber(value)
		case strings.HasPrefix(t, "0x"):
			// "0x000000000000-0x000002000000 : "name"": the device itself,
			// then (indented) its partitions.
			var from, to uint64
			var name string
			if _, err := fmt.Sscanf(t, "0x%x-0x%x : %q", &from, &to, &name); err != nil || to < from {
				continue
			}
			if name == d.Name && d.Size == 0 {
				d.Size = to - from
			} else {
				d.Partitions = append(d.Partitions, dialect.Partition{Name: name, Offset: from, Size: to - from})
			}
		}
	}
	return devs
}

// leadingNumber reads "0x20000 bytes" or "64 bytes".
func leadingNumber(s string) uint64 {
	f, _, _ := strings.Cut(s, " ")
	v, _ := strconv.ParseUint(f, 0, 64)
	return v
}

// ProbeSF runs sf probe and reads what it detected.
func (s *Session) ProbeSF(ctx context.Context, busCS string) (*dialect.Flash, error) {
	cmd := strings.TrimSpace("sf probe " + busCS)
	lines, err := s.con.Output(ctx, cmd)
	if err != nil || unknownCommand(lines) {
		return nil, err
	}
	for _, l := range lines {
		rest, ok := strings.CutPrefix(l, "SF: Detected ")
		if !ok {
			continue
		}
		// "w25q128 with page size 256 Bytes, erase size 64 KiB, total 16 MiB"
		chip, sizes, _ := strings.Cut(rest, " with ")
		f := &dialect.Flash{Kind: dialect.SPI, Name: cmp.Or(busCS, "0:0"), Type: chip}
		fields := map[string]*uint64{"page size ": &f.PageSize, "erase size ": &f.EraseSize, "total ": &f.Size}
		for _, part := range strings.Split(sizes, ", ") {
			for prefix, field := range fields {
				if v, ok := strings.CutPrefix(part, prefix); ok {
					*field = sizeWithUnit(v)
				}
			}
		}
		return f, nil
	}
	return nil, fmt.Errorf("%s found no SPI flash: %s", cmd, strings.Join(lines, " / "))
}

// sizeWithUnit reads print_size's "16 MiB", "4 KiB", "256 Bytes".
func sizeWithUnit(s string) uint64 {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), " ")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0
	}
	mult := map[string]float64{"Bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]
	return uint64(v * mult)
}

// NAND reads nand info and nand bad.
func (s *Session) NAND(ctx context.Context) (*dialect.Flash, error) {
	lines, err := s.con.Output(ctx, "nand info")
	if err != nil || unknownCommand(lines) {
		return nil, err
	}
	var f *dialect.Flash
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(t, "Device 0: "); ok {
			name, _, _ := strings.Cut(rest, ",")
			f = &dialect.Flash{Kind: dialect.NAND, Name: name, Type: "NAND flash"}
			continue
		}
		if f == nil {
			continue
		}
		fields := strings.Fields(t)
		if len(fields) < 3 {
			continue
		}
		v, _ := strconv.ParseUint(fields[len(fields)-2], 10, 64)
		switch strings.Join(fields[:len(fields)-2], " ") {
		case "Page size":
			f.PageSize = v
		case "OOB size":
			f.OOBSize = v
		case "Erase size":
			f.EraseSize = v
		}
	}
	if f == nil {
		return nil, fmt.Errorf("nand info shows no device: %s", strings.Join(lines, " / "))
	}
	if f.BadBlocks, err = s.badBlocks(ctx, "nand bad"); err != nil {
		return nil, err
	}
	return f, nil
}

// sizeFromMTD is the size mtd list gives the named device (nand info
// leaves it out), or 0.
func sizeFromMTD(name string, devs []dialect.Flash) uint64 {
	for _, d := range devs {
		if d.Name == name {
			return d.Size
		}
	}
	return 0
}

// badBlocks reads the offsets nand bad or mtd bad list.
func (s *Session) badBlocks(ctx context.Context, cmd string) ([]uint64, error) {
	lines, err := s.con.Output(ctx, cmd)
	if err != nil {
		return nil, err
	}
	var bad []uint64
	for _, l := range lines[min(1, len(lines)):] {
		t := strings.TrimSpace(l)
		v, err := strconv.ParseUint(strings.TrimPrefix(t, "0x"), 16, 64)
		if err == nil && t != "" {
			bad = append(bad, v)
		}
	}
	return bad, nil
}

// MMC lists the devices mmc list shows ("mmc@fe320000: 0 (eMMC)").
func (s *Session) MMC(ctx context.Context) ([]dialect.Flash, error) {
	lines, err := s.con.Output(ctx, "mmc list")
	if err != nil || unknownCommand(lines) {
		return nil, err
	}
	var devs []dialect.Flash
	for _, l := range lines {
		name, rest, ok := strings.Cut(strings.TrimSpace(l), ": ")
		if !ok {
			continue
		}
		num, kind, _ := strings.Cut(rest, " ")
		if _, err := strconv.Atoi(num); err != nil {
			continue
		}
		devs = append(devs, dialect.Flash{Kind: dialect.MMC, Name: num, Type: strings.Trim(kind, "()") + " " + name})
	}
	return devs, nil
}

// mapNOR tells where each memory-mapped NOR device (norN) is: flinfo's
// bank N+1, when its size agrees. A bank no device stands for (a build
// without mtd, as most are) is listed as a flash of its own.
func (s *Session) mapNOR(ctx context.Context, devs []dialect.Flash) []dialect.Flash {
	banks, err := s.NORBanks(ctx)
	if err != nil {
		s.log.Debug("flinfo lists no NOR banks", "err", err)
		return devs
	}
	for _, b := range banks {
		found := false
		for i, d := range devs {
			var n int
			if _, err := fmt.Sscanf(d.Name, "nor%d", &n); err == nil && b.Num == n+1 && (d.Size == 0 || b.Size == d.Size) {
				devs[i].Mapped, found = &b.Start, true
			}
		}
		if !found && b.Size > 0 {
			start := b.Start
			erase := b.SectorEnd(0) - b.Start
			devs = append(devs, dialect.Flash{Kind: dialect.NOR, Name: fmt.Sprintf("bank%d", b.Num), Type: "NOR flash (flinfo)", Size: b.Size, EraseSize: erase, Mapped: &start})
		}
	}
	return devs
}

// Describe asks the board what it has: DRAM (bdinfo), and every flash
// device the mtd, sf, nand and mmc commands can find, with partitions and
// bad blocks. A command the build lacks is listed, not an error.
func (s *Session) Describe(ctx context.Context) (*dialect.Board, error) {
	if err := s.reserveWindow(ctx, dialect.WindowOptions{}); err != nil {
		return nil, err
	}
	b := &dialect.Board{LoadAddr: s.windowRAM}
	// A short read learns the byte order, which the identity reports.
	if err := s.ReadMemory(ctx, s.windowRAM, make([]byte, 16), nil); err != nil {
		return nil, err
	}
	b.Identity = s.Identity()
	if start, size, err := s.dramBank(ctx); err == nil {
		b.RAMStart, b.RAMSize = start, size
	}
	mtd, err := s.MTDDevices(ctx)
	if err != nil {
		return nil, err
	}
	if mtd == nil {
		b.MissingCmd = append(b.MissingCmd, "mtd")
	}
	for i := range mtd {
		if strings.Contains(mtd[i].Type, "NAND") {
			if mtd[i].BadBlocks, err = s.badBlocks(ctx, "mtd bad "+mtd[i].Name); err != nil {
				return nil, err
			}
		}
	}
	b.Flash = append(b.Flash, s.mapNOR(ctx, mtd)...)
	if sf, err := s.ProbeSF(ctx, ""); err != nil {
		s.log.Debug("sf probe found nothing", "err", err)
	} else if sf == nil {
		b.MissingCmd = append(b.MissingCmd, "sf")
	} else {
		b.Flash = append(b.Flash, *sf)
	}
	nand, err := s.NAND(ctx)
	switch {
	case err != nil:
		s.log.Debug("nand info found nothing", "err", err)
	case nand == nil:
		b.MissingCmd = append(b.MissingCmd, "nand")
	default:
		nand.Size = sizeFromMTD(nand.Name, mtd)
		b.Flash = append(b.Flash, *nand)
	}
	mmc, err := s.MMC(ctx)
	if err != nil {
		return nil, err
	}
	if mmc == nil {
		b.MissingCmd = append(b.MissingCmd, "mmc")
	}
	b.Flash = append(b.Flash, mmc...)
	vars, err := printenv(ctx, s.con, "mtdparts")
	if err != nil {
		return nil, err
	}
	b.Mtdparts = vars["mtdparts"]
	return b, nil
}

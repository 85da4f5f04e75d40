package dialect

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Source is where a dump reads: memory the CPU maps, or a flash the
// bootloader copies into RAM first.
type Source struct {
	Kind string // "mem", "sf", "nand", "mtd" or "mmc"
	Name string // sf: "BUS:CS" (optional); mtd: device or partition; mmc: device number
}

// ParseSource reads --source: mem, sf[:BUS:CS], nand, mtd:NAME, mmc:DEV.
func ParseSource(s string) (Source, error) {
	kind, name, _ := strings.Cut(s, ":")
	src := Source{Kind: kind, Name: name}
	switch {
	case kind == "mem" && name == "", kind == "nand" && name == "":
	case kind == "sf":
		if name != "" && !validBusCS(name) {
			return src, fmt.Errorf("source %q: give sf or sf:BUS:CS, e.g. sf:0:0", s)
		}
	case kind == "mtd" && name != "":
	case kind == "mmc":
		if _, err := strconv.Atoi(cmp.Or(name, "0")); err != nil {
			return src, fmt.Errorf("source %q: give mmc:DEV, e.g. mmc:0", s)
		}
		src.Name = cmp.Or(name, "0")
	default:
		return src, fmt.Errorf("source %q: give mem, sf[:BUS:CS], nand, mtd:NAME or mmc:DEV", s)
	}
	return src, nil
}

func validBusCS(s string) bool {
	bus, cs, ok := strings.Cut(s, ":")
	_, e1 := strconv.Atoi(bus)
	_, e2 := strconv.Atoi(cs)
	return ok && e1 == nil && e2 == nil
}

func (s Source) String() string {
	if s.Name == "" {
		return s.Kind
	}
	return s.Kind + ":" + s.Name
}

// Flash describes a flash device as the bootloader reports it.
type Flash struct {
	Kind       string      `json:"kind"` // the command family that reads it: mtd, sf, nand, mmc
	Name       string      `json:"name"`
	Type       string      `json:"type,omitempty"` // "NOR flash", "NAND flash", the SPI chip, "eMMC"
	Size       uint64      `json:"size,omitempty"`
	EraseSize  uint64      `json:"erase_size,omitempty"`
	PageSize   uint64      `json:"page_size,omitempty"`
	OOBSize    uint64      `json:"oob_size,omitempty"`
	Partitions []Partition `json:"partitions,omitempty"`
	BadBlocks  []uint64    `json:"bad_blocks,omitempty"`
	// Mapped is where the CPU sees a memory-mapped NOR flash (flinfo's
	// bank), nil where it is not: --addr for a plain dump of it.
	Mapped *uint64 `json:"mapped,omitempty"`
}

// Partition is an MTD partition (from mtdparts).
type Partition struct {
	Name   string `json:"name"`
	Offset uint64 `json:"offset"`
	Size   uint64 `json:"size"`
}

// Board is what info reports: the bootloader, its RAM and its flash.
type Board struct {
	Identity   Identity `json:"bootloader"`
	RAMStart   uint64   `json:"ram_start,omitempty"`
	RAMSize    uint64   `json:"ram_size,omitempty"`
	LoadAddr   uint64   `json:"ram_window"` // where flash is copied to
	Flash      []Flash  `json:"flash"`
	Mtdparts   string   `json:"mtdparts,omitempty"`
	MissingCmd []string `json:"commands_missing,omitempty"` // flash commands this build lacks
}

// Image is one entry of a bootloader's image table (the Winbond loader's LS).
type Image struct {
	Num   int    `json:"num"`
	Name  string `json:"name"`
	Base  uint64 `json:"base"`
	Size  uint64 `json:"size"`
	Exec  uint64 `json:"exec"`
	Flags string `json:"flags"` // a active, c copy to RAM, x executable, f file system, z compressed
}

// NORBank is a bank of memory-mapped NOR flash as the bootloader lists it
// (U-Boot's flinfo): what its erase and program commands work on.
type NORBank struct {
	Num       int
	Start     uint64
	Size      uint64
	Sectors   []uint64 // start addresses
	Protected []bool   // write-protected sectors
	// What the flash itself allows a sector erase, one write of PortWidth
	// bytes, and one buffered write of BufferSize bytes (0: not said).
	EraseTimeout, WriteTimeout, BufferTimeout time.Duration
	PortWidth, BufferSize                     uint64
}

// SectorEnd is where the sector starting at Sectors[i] ends.
func (b NORBank) SectorEnd(i int) uint64 {
	if i+1 < len(b.Sectors) {
		return b.Sectors[i+1]
	}
	return b.Start + b.Size
}

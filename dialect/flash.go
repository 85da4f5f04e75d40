package dialect

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FlashKind is where an image lives and the family of commands that
// reaches it. dump's --source, verify, restore's --flash and info share
// one kind, and each kind is described once, in kinds.
type FlashKind string

const (
	Mem  FlashKind = "mem"  // what the CPU maps: RAM, and NOR flash read at its address
	NOR  FlashKind = "nor"  // memory-mapped NOR flash, written sector by sector (flinfo's banks)
	SPI  FlashKind = "sf"   // SPI NOR flash behind its controller
	NAND FlashKind = "nand" // NAND flash: pages, spare areas, bad blocks
	MTD  FlashKind = "mtd"  // an MTD device or partition, by name
	MMC  FlashKind = "mmc"  // an eMMC or SD card, by device number
)

// kindInfo is what bootdump knows of a kind.
type kindInfo struct {
	kind FlashKind
	// name is how a source of this kind names its device ("" for none),
	// required or not, and checked by valid.
	name     string
	required bool
	valid    func(name string) bool
	// byAddress: the kind is reached at CPU addresses, not offsets.
	byAddress bool
	// source: dump and verify read it; program: restore writes it.
	source, program bool
	about           string
}

var kinds = []kindInfo{
	{kind: Mem, byAddress: true, source: true, about: "memory the CPU maps (--addr is the address)"},
	{kind: NOR, byAddress: true, program: true, about: "memory-mapped NOR flash (--addr is the address)"},
	{kind: SPI, name: "BUS:CS", valid: validBusCS, source: true, program: true, about: "SPI NOR flash (sf probe, sf read)"},
	{kind: NAND, source: true, program: true, about: "NAND flash (bad blocks are left alone)"},
	{kind: MTD, name: "NAME", required: true, source: true, about: "an MTD device or partition (mtd list, mtdparts)"},
	{kind: MMC, name: "DEV", valid: isNumber, source: true, about: "an eMMC or SD card (mmc read)"},
}

func (k FlashKind) info() kindInfo {
	for _, ki := range kinds {
		if ki.kind == k {
			return ki
		}
	}
	return kindInfo{kind: k}
}

// ByAddress: the kind is reached at CPU addresses, not offsets in it.
func (k FlashKind) ByAddress() bool { return k.info().byAddress }

// Sources are the kinds dump and verify read; Programmable those restore
// writes.
func Sources() []FlashKind      { return kindsWhere(func(k kindInfo) bool { return k.source }) }
func Programmable() []FlashKind { return kindsWhere(func(k kindInfo) bool { return k.program }) }

func kindsWhere(ok func(kindInfo) bool) []FlashKind {
	var out []FlashKind
	for _, k := range kinds {
		if ok(k) {
			out = append(out, k.kind)
		}
	}
	return out
}

// Spelling is how a kind is written with its name: sf[:BUS:CS], mtd:NAME.
func (k FlashKind) Spelling() string {
	ki := k.info()
	switch {
	case ki.name == "":
		return string(k)
	case ki.required:
		return string(k) + ":" + ki.name
	}
	return string(k) + "[:" + ki.name + "]"
}

// About says what the kind is, for help texts.
func (k FlashKind) About() string { return k.info().about }

// Source is where a dump reads: memory the CPU maps, or a flash the
// bootloader copies into RAM first.
type Source struct {
	Kind FlashKind
	Name string // sf: "BUS:CS" (optional); mtd: device or partition; mmc: device number
}

// ParseSource reads --source: one of Sources, with its name where it
// takes one (mem, sf[:BUS:CS], nand, mtd:NAME, mmc:DEV).
func ParseSource(s string) (Source, error) {
	kind, name, _ := strings.Cut(s, ":")
	src := Source{Kind: FlashKind(kind), Name: name}
	ki := src.Kind.info()
	var spellings []string
	for _, k := range Sources() {
		spellings = append(spellings, k.Spelling())
	}
	switch {
	case !ki.source:
		return src, fmt.Errorf("source %q: give %s", s, strings.Join(spellings[:len(spellings)-1], ", ")+" or "+spellings[len(spellings)-1])
	case ki.name == "" && name != "", ki.required && name == "", name != "" && ki.valid != nil && !ki.valid(name):
		return src, fmt.Errorf("source %q: give %s, e.g. %s", s, ki.kind.Spelling(), example(ki))
	}
	if src.Kind == MMC {
		src.Name = cmp.Or(name, "0")
	}
	return src, nil
}

func example(k kindInfo) string {
	switch k.name {
	case "BUS:CS":
		return string(k.kind) + ":0:0"
	case "DEV":
		return string(k.kind) + ":0"
	}
	return string(k.kind) + ":nor1"
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func validBusCS(s string) bool {
	bus, cs, ok := strings.Cut(s, ":")
	_, e1 := strconv.Atoi(bus)
	_, e2 := strconv.Atoi(cs)
	return ok && e1 == nil && e2 == nil
}

func (s Source) String() string {
	if s.Name == "" {
		return string(s.Kind)
	}
	return string(s.Kind) + ":" + s.Name
}

// Flash describes a flash device as the bootloader reports it.
type Flash struct {
	Kind       FlashKind   `json:"kind"` // the command family that reads it: mtd, sf, nand, mmc, nor
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

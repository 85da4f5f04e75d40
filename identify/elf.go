package identify

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// elfDetector finds ELF files with Go's debug/elf. ELF has no checksum: the
// check is that the headers parse and every section and segment lies
// inside the data that is there.
type elfDetector struct{}

func (elfDetector) Type() string     { return "elf" }
func (elfDetector) Magics() [][]byte { return [][]byte{[]byte(elf.ELFMAG)} }

func (elfDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	h := header(r, off, end, 16)
	// Class, byte order, version 1, and the identification's zero padding.
	if h == nil || (h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2) || h[6] != 1 ||
		!bytes.Equal(h[9:16], make([]byte, 7)) {
		return nil
	}
	// 52 bytes: the smallest ELF header (a cut-short one has what is there).
	f := &Finding{Offset: off, Length: min(52, end-off), Type: "elf", Verdict: Unverifiable,
		Reason: "ELF carries no checksum; its headers are sound"}
	ef, err := elf.NewFile(io.NewSectionReader(r, off, end-off))
	if err != nil {
		f.damage("headers: %v", err)
		f.Summary = "ELF"
		return f
	}
	// The file ends after its last section, segment or header table.
	n := int64(0)
	if ef.Class == elf.ELFCLASS64 {
		n = 64
	}
	for _, p := range ef.Progs {
		n = max(n, int64(p.Off+p.Filesz))
	}
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_NOBITS {
			n = max(n, int64(s.Offset+s.FileSize))
		}
	}
	shoff, shnum, shentsize := elfSectionTable(h, r, off, end)
	n = max(n, shoff+shnum*shentsize)
	f.Length = n
	if n > end-off {
		f.Length = end - off
		f.damage("a section or segment ends at 0x%x, past the %d bytes present", n, end-off)
	}
	bits := map[elf.Class]string{elf.ELFCLASS32: "32-bit", elf.ELFCLASS64: "64-bit"}[ef.Class]
	order := map[byte]string{1: "little-endian", 2: "big-endian"}[h[5]]
	machine := strings.TrimPrefix(ef.Machine.String(), "EM_")
	kind := map[elf.Type]string{elf.ET_REL: "relocatable", elf.ET_EXEC: "executable",
		elf.ET_DYN: "shared object", elf.ET_CORE: "core dump"}[ef.Type]
	f.add("class", "%s", bits)
	f.add("byte order", "%s", order)
	f.add("machine", "%s", machine)
	f.add("type", "%s", kind)
	f.add("entry", "0x%x", ef.Entry)
	f.Summary = fmt.Sprintf("ELF %s %s %s %s, entry 0x%x", bits, order, machine, kind, ef.Entry)
	return f
}

// elfSectionTable reads where the section header table is, which debug/elf
// does not export.
func elfSectionTable(ident []byte, r io.ReaderAt, off, end int64) (shoff, shnum, shentsize int64) {
	var order binary.ByteOrder = binary.LittleEndian
	if ident[5] == 2 {
		order = binary.BigEndian
	}
	if ident[4] == 2 { // 64-bit
		h := header(r, off, end, 64)
		if h == nil {
			return 0, 0, 0
		}
		return int64(order.Uint64(h[40:])), int64(order.Uint16(h[60:])), int64(order.Uint16(h[58:]))
	}
	h := header(r, off, end, 52)
	if h == nil {
		return 0, 0, 0
	}
	return int64(order.Uint32(h[32:])), int64(order.Uint16(h[48:])), int64(order.Uint16(h[46:]))
}

// Package binreader is bootdump's binary reader: small programs, one per
// CPU architecture, that U-Boot runs to stream memory to the host in raw
// verified blocks instead of md's hex text (4x the bytes on the same
// line), and the host's side of their protocol.
//
// The programs' sources are in device/ (C and an entry stub per
// architecture), built by scripts/build-readers with clang and lld into
// blobs/, which are embedded here. Each finds U-Boot's console functions
// through U-Boot's exported jump table, whose address the host gives in
// the program's parameter block; the same program, in mode 0, reports
// U-Boot's global data pointer, where the host finds that table.
package binreader

import (
	"bytes"
	"embed"
	"encoding/binary"
	"fmt"
)

//go:embed blobs/*.bin
var blobs embed.FS

// Arch is a CPU architecture a reader is built for.
type Arch struct {
	Name  string // the blob's name: arm, arm64, riscv64, mips, mipsel, mips64, mips64el
	Word  int    // bytes in a word (the parameters' size): 4 or 8
	Order binary.ByteOrder
	// GD names the register U-Boot keeps its global data pointer in.
	GD string
}

// Arches are the architectures with a reader.
var Arches = []Arch{
	{"arm", 4, binary.LittleEndian, "r9"},
	{"arm64", 8, binary.LittleEndian, "x18"},
	{"riscv64", 8, binary.LittleEndian, "gp"},
	{"mips", 4, binary.BigEndian, "k0"},
	{"mipsel", 4, binary.LittleEndian, "k0"},
	{"mips64", 8, binary.BigEndian, "k0"},
	{"mips64el", 8, binary.LittleEndian, "k0"},
}

// ArchNamed finds an architecture by its name.
func ArchNamed(name string) (Arch, bool) {
	for _, a := range Arches {
		if a.Name == name {
			return a, true
		}
	}
	return Arch{}, false
}

// Modes of a run of the reader.
const (
	ModeGD      = 0 // store U-Boot's gd register in Result, call nothing
	ModeConfirm = 1 // store get_version() in Result and print ConfirmText
	ModeStream  = 2 // stream Size bytes at Addr (see Receive)
	// ModeDone is what a run leaves in Mode: U-Boot's bootm runs a
	// standalone program twice (its prep and go states), and the second
	// run must do nothing.
	ModeDone = 3
	// ModeStreamCompressed streams as ModeStream does, each block that
	// deflate makes shorter sent compressed (with the 16 KiB of the
	// stream before it as the dictionary); Stream decodes it.
	ModeStreamCompressed = 4
	// ModeUART reads a UART's divisor into Result and, if Block is not
	// 0, sets Block as its divisor and waits for the host to answer its
	// "BDBR" with 'K' at the new rate, else sets the old one again (and
	// returns 1). Addr is the UART's registers, Size its kind (UART16550,
	// UARTPL011 or UARTAR933x) | register shift << 8 | UARTWords. A
	// 16550's divisor is DLM << 8 | DLL, a PL011's IBRD << 6 | FBRD, an
	// AR933x's its clock register, scale << 16 | step.
	ModeUART = 5
	// ModeReceive takes Size bytes from the host into memory at Addr, in
	// blocks of Block bytes (Send is the host's side); Result is the
	// blocks taken.
	ModeReceive = 6
)

// Kinds of UART for ModeUART, and UARTWords: its registers take 32-bit
// accesses.
const (
	UART16550 = 1
	UARTPL011 = 2
	// UARTAR933x is the "high-speed" UART of Atheros's AR933x SoCs, whose
	// rate is its reference clock * step / ((scale + 1) * 2^17).
	UARTAR933x = 3
	UARTWords  = 0x10000
)

// UARTReady is what the reader sends at the new rate in ModeUART, until
// the host answers UARTConfirm.
const (
	UARTReady   = "BDBR"
	UARTConfirm = 'K'
)

// ConfirmText is what the reader prints in ModeConfirm through the jump
// table's putc, before U-Boot's line ending.
const ConfirmText = "bdmp-ok"

// Params is the reader's parameter block, as the host fills it in.
type Params struct {
	Mode      uint64
	JumpTable uint64 // U-Boot's gd->jt
	Addr      uint64
	Size      uint64
	Block     uint64 // bytes a block; 0 for 4 KiB
	Result    uint64 // what the run reports
	GD        uint64 // the gd register at entry (the entry stub stores it)
	// Ext, if not 0, is where the parameters live instead of inside the
	// program: a standalone image run by bootm must not change after it
	// is checked, so its parameters are written elsewhere.
	Ext uint64
}

const magic = 0x42445250 // "BDRP", the parameter block's first word

// Program is one architecture's reader.
type Program struct {
	Arch   Arch
	Code   []byte
	params int // offset of the parameter block in Code
}

// Load returns the reader for arch.
func Load(arch Arch) (*Program, error) {
	code, err := blobs.ReadFile("blobs/" + arch.Name + ".bin")
	if err != nil {
		return nil, fmt.Errorf("no binary reader for %s: %w", arch.Name, err)
	}
	word := make([]byte, arch.Word)
	putWord(arch, word, magic)
	at := -1
	for i := 0; i+len(word) <= len(code); i += 4 {
		if bytes.Equal(code[i:i+len(word)], word) {
			at = i
			break
		}
	}
	if at < 0 || at+9*arch.Word > len(code) {
		return nil, fmt.Errorf("the %s reader has no parameter block", arch.Name)
	}
	return &Program{Arch: arch, Code: code, params: at}, nil
}

// ParamsOffset is where the parameter block starts in Code.
func (p *Program) ParamsOffset() int { return p.params }

// With returns a copy of the program with its parameters set.
func (p *Program) With(v Params) []byte {
	code := bytes.Clone(p.Code)
	copy(code[p.params:], p.EncodeParams(v))
	return code
}

// EncodeParams is the parameter block as the device reads it: magic,
// mode, jt, addr, size, block, result, gd, ext; words in the
// architecture's size and byte order.
func (p *Program) EncodeParams(v Params) []byte {
	w := p.Arch.Word
	b := make([]byte, 9*w)
	for i, x := range []uint64{magic, v.Mode, v.JumpTable, v.Addr, v.Size, v.Block, v.Result, v.GD, v.Ext} {
		putWord(p.Arch, b[i*w:], x)
	}
	return b
}

// DecodeParams reads a parameter block back (as md shows it, after a
// run).
func (p *Program) DecodeParams(b []byte) (Params, error) {
	w := p.Arch.Word
	if len(b) < 9*w {
		return Params{}, fmt.Errorf("a parameter block is %d bytes, not %d", 9*w, len(b))
	}
	word := func(i int) uint64 {
		if w == 4 {
			return uint64(p.Arch.Order.Uint32(b[i*w:]))
		}
		return p.Arch.Order.Uint64(b[i*w:])
	}
	if word(0) != magic {
		return Params{}, fmt.Errorf("no parameter block there (its first word is %#x)", word(0))
	}
	return Params{Mode: word(1), JumpTable: word(2), Addr: word(3), Size: word(4), Block: word(5), Result: word(6), GD: word(7), Ext: word(8)}, nil
}

func putWord(a Arch, b []byte, v uint64) {
	if a.Word == 4 {
		a.Order.PutUint32(b, uint32(v))
		return
	}
	a.Order.PutUint64(b, v)
}

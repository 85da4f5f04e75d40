package sim

import "encoding/binary"

// exports is where a board's U-Boot keeps its global data (gd) and its
// exported jump table, which a standalone program finds through gd, and
// where its relocated code is.
type exports struct {
	gd, jt, reloc uint64
	jtWord        int    // gd's word that points to the jump table
	gdWords       int    // the words of gd (and what follows it) written
	count         int    // the table's entries
	version       uint64 // what get_version returns: XF_VERSION
}

// exports of this board's build:
//   - 2023.01 (as on qemu_arm64 after relocation): gd's jt pointer in word
//     30, 30 entries (include/_exports.h), XF_VERSION 9.
//   - 1.1.x on MIPS (lib_mips/board.c, include/asm-mips/global_data.h,
//     common/exports.c): board_init_f puts the code at the top of RAM,
//     the heap below it, then bd and gd; gd's ninth word is jt, which
//     jumptable_init mallocs: 14 entries (get_version to do_reset; no
//     I2C), XF_VERSION 2.
func (b *uboot) exports() exports {
	if b.fork == nil {
		return exports{gd: 0x4eeb6db0, jt: 0x4eeb9cf0, reloc: 0x4fef7000, jtWord: 30, gdWords: 128, count: 30, version: 9}
	}
	top := b.mem.ramBase + b.mem.ramSize
	reloc := top - 0x48000 // the Ralink banner's "relocate_code Pointer at: 83fb8000" on 64 MiB
	heap := reloc - 0x60000
	return exports{gd: heap - 0x40 - 0x28, jt: heap + 0x3f8, reloc: reloc, jtWord: 8, gdWords: 9, count: 14, version: 2}
}

// cpu names the reader blob this board's CPU runs.
func (b *uboot) cpu() string {
	switch {
	case b.fork != nil && b.cfg.BigEndian:
		return "mips"
	case b.fork != nil:
		return "mipsel"
	case b.cfg.Bits64:
		return "arm64"
	}
	return "arm"
}

// installExports puts U-Boot's global data and jump table in RAM, as
// U-Boot has them after relocation (written back from the cache: U-Boot
// flushes before it runs from RAM).
func (b *uboot) installExports() {
	x := b.exports()
	w := 4
	if b.cfg.Bits64 {
		w = 8
	}
	var order binary.ByteOrder = binary.LittleEndian
	if b.cfg.BigEndian {
		order = binary.BigEndian
	}
	word := func(v uint64) []byte {
		out := make([]byte, w)
		if w == 4 {
			order.PutUint32(out, uint32(v))
		} else {
			order.PutUint64(out, v)
		}
		return out
	}
	gd := make([]byte, 0, x.gdWords*w)
	for i := range x.gdWords {
		v := uint64(0)
		if b.fork == nil {
			switch i { // global_data of 2023.01: bd, flags, baudrate, ...
			case 2:
				v = uint64(b.rate())
			case 4:
				v = x.reloc
			case 5:
				v = ramSize
			case 10:
				v = x.gd // new_gd
			case 12:
				v = 0x4edb6db0 // fdt_blob
			}
		} else {
			switch i { // 1.1.x: bd, flags, baudrate, have_console, ram_size, reloc_off, env_addr, env_valid
			case 0:
				v = x.gd + 0x28 // bd follows gd
			case 1:
				v = 3 // GD_FLG_RELOC | GD_FLG_DEVINIT
			case 2:
				v = uint64(b.rate())
			case 3, 7:
				v = 1
			case 4:
				v = b.mem.ramSize
			case 5:
				v = x.reloc - b.mem.flashBase // from where it was linked to run
			case 6:
				v = x.reloc + 0x20000 // the environment's copy in RAM
			}
		}
		if i == x.jtWord {
			v = x.jt
		}
		gd = append(gd, word(v)...)
	}
	b.mem.write(x.gd, gd)
	var jt []byte
	for i := range x.count {
		jt = append(jt, word(x.reloc+0x1000+uint64(i)*0x60)...)
	}
	b.mem.write(x.jt, jt)
	b.mem.flushData()
}

package sim

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// The Winbond loader keeps its image table in the flash itself, as its
// image.c does: each image ends in a 52-byte footer at the end of the
// erase block its data ends in (of the next block, where fewer than 52
// bytes are left). LS, FX and DEL find the footers by scanning the end of
// every 64 KiB block after the loader's own; a footer counts when its
// signature and its checksum are right.

const (
	wbBlock     = 0x10000    // FLASH_BLOCK_SIZE; block 0 holds the loader
	wbFooter    = 52         // sizeof(tfooter): 13 words
	wbSignature = 0xa0ffff9f // SIGNATURE_WORD
	wbMaxImages = 8          // MAX_FOOTER_NUM
	wbDownload  = 0x100000   // STATIC_DOWNLOAD_BUFFER: where FX and BX take an upload
)

// The image types, in the order LS prints their letters.
var wbTypes = []struct {
	letter byte
	bit    uint32
}{{'a', 0x1}, {'c', 0x2}, {'x', 0x4}, {'f', 0x8}, {'z', 0x10}}

// footer is tfooter: the image's entry in the table.
type footer struct {
	num, base, length, load, exec uint32
	name                          string
	imageSum, signature, typ, sum uint32
}

// wbSum is the loader's checksum of words: a 64-bit sum folded once and
// inverted.
func wbSum(words []uint32) uint32 {
	var sum uint64
	for _, w := range words {
		sum += uint64(w)
	}
	return ^uint32(sum&0xffffffff + sum>>32)
}

// encode lays the footer out as the CPU stores it: words in its byte
// order, the name as bytes.
func (f *footer) encode(order binary.ByteOrder) []byte {
	b := make([]byte, wbFooter)
	for i, v := range []uint32{f.num, f.base, f.length, f.load, f.exec} {
		order.PutUint32(b[4*i:], v)
	}
	copy(b[20:35], f.name)
	for i, v := range []uint32{f.imageSum, f.signature, f.typ, f.sum} {
		order.PutUint32(b[36+4*i:], v)
	}
	return b
}

// sealed is the footer with its checksum: that of its first 12 words as
// the CPU reads them.
func (f footer) sealed(order binary.ByteOrder) footer {
	f.sum = 0
	f.sum = footerSum(f.encode(order), order)
	return f
}

func footerSum(b []byte, order binary.ByteOrder) uint32 {
	words := make([]uint32, 12)
	for i := range words {
		words[i] = order.Uint32(b[4*i:])
	}
	return wbSum(words)
}

func decodeFooter(b []byte, order binary.ByteOrder) footer {
	w := func(i int) uint32 { return order.Uint32(b[4*i:]) }
	name, _, _ := strings.Cut(string(b[20:36]), "\x00")
	return footer{num: w(0), base: w(1), length: w(2), load: w(3), exec: w(4), name: name,
		imageSum: w(9), signature: w(10), typ: w(11), sum: w(12)}
}

// imageSum is the checksum of an image's words.
func imageSum(data []byte, order binary.ByteOrder) uint32 {
	words := make([]uint32, len(data)/4)
	for i := range words {
		words[i] = order.Uint32(data[4*i:])
	}
	return wbSum(words)
}

// wbTypeBits reads a flags word as FX does ("acxfz"); ok is false for a
// letter it does not know.
func wbTypeBits(flags string) (uint32, bool) {
	var t uint32
	for i := 0; i < len(flags); i++ {
		found := false
		for _, ty := range wbTypes {
			if flags[i] == ty.letter {
				t |= ty.bit
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return t, true
}

func wbTypeLetters(t uint32) string {
	var b []byte
	for _, ty := range wbTypes {
		if t&ty.bit != 0 {
			b = append(b, ty.letter)
		}
	}
	return string(b)
}

// flashOff is addr's offset in the flash, if it is in it.
func (s *shell) flashOff(addr uint64) (uint64, bool) {
	if addr < s.mem.flashBase || addr >= s.mem.flashBase+uint64(len(s.mem.flash)) {
		return 0, false
	}
	return addr - s.mem.flashBase, true
}

// blockSize is the flash driver's BlockSize: 64 KiB blocks, 0 past the end.
func (s *shell) blockSize(addr uint64) uint64 {
	if _, ok := s.flashOff(addr); !ok {
		return 0
	}
	return wbBlock
}

func (s *shell) flashSize() uint64 { return uint64(len(s.mem.flash)) }

// eraseBlock sets a block to 0xFF.
func (s *shell) eraseBlock(addr uint64) {
	off, ok := s.flashOff(addr)
	if !ok {
		return
	}
	for i := off; i < off+wbBlock && i < s.flashSize(); i++ {
		s.mem.flash[i] = 0xff
	}
}

// program writes data at addr: NOR programming only clears bits.
func (s *shell) program(addr uint64, data []byte) {
	for i, c := range data {
		if off, ok := s.flashOff(addr + uint64(i)); ok {
			s.mem.flash[off] &= c
		}
	}
}

// findFooters is FindFooter: the entries of the table, in flash order.
func (s *shell) findFooters() []footer {
	var out []footer
	addr := s.mem.flashBase + wbBlock
	for bs := s.blockSize(addr); bs != 0; bs = s.blockSize(addr) {
		addr += bs
		b := make([]byte, wbFooter)
		s.mem.read(addr-wbFooter, b)
		f := decodeFooter(b, s.order)
		if f.signature == wbSignature && footerSum(b, s.order) == f.sum && len(out) < wbMaxImages {
			out = append(out, f)
		}
	}
	return out
}

func (s *shell) findImage(num uint32) (footer, bool) {
	for _, f := range s.findFooters() {
		if f.num == num {
			return f, true
		}
	}
	return footer{}, false
}

// delImage is DelImage: it erases the image's blocks, and the block after
// them where the length is a whole number of blocks (a footer that went
// to the next block for want of room otherwise stays, as in image.c).
func (s *shell) delImage(num uint32) bool {
	f, ok := s.findImage(num)
	if !ok {
		return false
	}
	addr := uint64(f.base)
	end := addr + uint64(f.length)
	if uint64(f.length)&(wbBlock-1) == 0 {
		end += wbBlock
	}
	for addr < end {
		s.eraseBlock(addr)
		addr += wbBlock
		s.out.putc('.')
	}
	return true
}

// footerAt is where WriteImage puts the footer of an image of n bytes
// (whole words) at base, a block's start: at the end of the block its
// data ends in, or of the next where fewer than wbFooter bytes are left.
func footerAt(base, n uint64) uint64 {
	last := base + (n-1)&^(wbBlock-1) // the block the last byte is in
	at := last + wbBlock - wbFooter
	if base+n > at {
		at += wbBlock
	}
	return at
}

// footprint is where an image with this footer reaches, its footer's
// block included (CorruptCheck's bounds).
func footprint(f footer, listed bool) (uint64, uint64) {
	lo, hi := uint64(f.base), uint64(f.base)+uint64(f.length)
	room := wbBlock - uint64(f.length)%wbBlock
	if room < wbFooter || listed && f.length&(wbBlock-1) == 0 {
		hi += wbBlock
	}
	return lo, hi
}

// corrupt is CorruptCheck: the image would not fit, its number is taken,
// or it overlaps a listed image.
func (s *shell) corrupt(f footer) bool {
	base := s.mem.flashBase
	if uint64(f.base) < base+wbBlock || uint64(f.base)+uint64(f.length) > base+s.flashSize() {
		return true
	}
	listed := s.findFooters()
	for _, l := range listed {
		if l.num == f.num {
			return true
		}
	}
	b0, b1 := footprint(f, false)
	for _, l := range listed {
		a0, a1 := footprint(l, true)
		if b0 >= a0 && b0 < a1 || b1 >= a0 && b1 < a1 || a0 > b0 && a1 < b1 {
			return true
		}
	}
	return false
}

// writeImage is WriteImage: the data from RAM at src into the blocks from
// the footer's base, a dot a block, the footer after it; then the image
// and footer checksums read back from flash.
func (s *shell) writeImage(f footer, src uint64) bool {
	if f.base&(wbBlock-1) != 0 {
		return false
	}
	f.length = (f.length + 3) &^ 3
	if s.corrupt(f) {
		return false
	}
	data := make([]byte, f.length)
	s.mem.read(src, data)
	f.imageSum, f.signature = imageSum(data, s.order), wbSignature
	f = f.sealed(s.order)
	at := footerAt(uint64(f.base), uint64(f.length))
	for dest, left := uint64(f.base), uint64(f.length); left > 0; {
		n := min(left, wbBlock)
		s.eraseBlock(dest)
		s.program(dest, data[:n])
		if left <= wbBlock {
			if at >= dest+wbBlock { // a block of its own for the footer
				s.eraseBlock(at)
			}
			s.program(at, f.encode(s.order))
		}
		data, dest, left = data[n:], dest+n, left-n
		s.out.putc('.')
	}
	back := make([]byte, f.length)
	s.mem.read(uint64(f.base), back)
	foot := make([]byte, wbFooter)
	s.mem.read(at, foot)
	return imageSum(back, s.order) == f.imageSum && footerSum(foot, s.order) == f.sum
}

// winbondTable writes the footers of cfg.Images into the flash, as FX
// would have left them: the table the board powers on with.
func (s *shell) winbondTable() error {
	for _, im := range s.cfg.Images {
		t, ok := wbTypeBits(im.Flags)
		if !ok {
			return fmt.Errorf("image %s: flags %q are not of acxfz", im.Name, im.Flags)
		}
		f := footer{num: uint32(im.Num), base: uint32(im.Base), length: uint32(im.Size), load: uint32(im.Exec), exec: uint32(im.Exec), name: im.Name, typ: t}
		off, ok := s.flashOff(im.Base)
		if !ok || off+im.Size > s.flashSize() {
			return fmt.Errorf("image %s is not in the flash", im.Name)
		}
		// The image's data is in the flash already; the entry keeps the
		// size as given (what LS is to list), the sum is of its words, and
		// the footer goes where WriteImage would have put it.
		words := (im.Size + 3) &^ 3
		data := append([]byte(nil), s.mem.flash[off:off+im.Size]...)
		data = append(data, make([]byte, int(words)-len(data))...)
		f.imageSum, f.signature = imageSum(data, s.order), wbSignature
		f = f.sealed(s.order)
		footOff, ok := s.flashOff(footerAt(im.Base, words))
		if !ok {
			return fmt.Errorf("image %s has no room for its footer", im.Name)
		}
		copy(s.mem.flash[footOff:], f.encode(s.order))
	}
	return nil
}

// winbondList is LS.
func (s *shell) winbondList() {
	table := s.findFooters()
	if len(table) == 0 {
		s.out.puts("No image found!\n")
		return
	}
	for _, f := range table {
		s.out.puts(fmt.Sprintf("Image:%2d name:%s base:0x%08x size:0x%08x exec:0x%08x -%s\n", f.num, f.name, f.base, f.length, f.exec, wbTypeLetters(f.typ)))
	}
}

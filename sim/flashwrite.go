package sim

import "fmt"

// sfErase is sf erase OFF LEN: whole erase blocks, set to 0xFF.
func (b *uboot) sfErase(dev *FlashDevice, args []string) bool {
	if len(args) < 4 {
		b.out.puts("sf - SPI flash sub-system\n")
		return false
	}
	off, n := b.hex(args[2]), b.hex(args[3])
	switch {
	case off+n > uint64(len(dev.Image)):
		b.out.puts(fmt.Sprintf("ERROR: attempting erase past flash size (%#x)\n", len(dev.Image)))
		return false
	case off%uint64(dev.EraseSize) != 0 || n%uint64(dev.EraseSize) != 0:
		b.out.puts("SF: Erase offset/length not multiple of erase size\n")
		b.out.puts(fmt.Sprintf("SF: %d bytes @ %#x Erased: ERROR\n", n, off))
		return false
	}
	for i := off; i < off+n; i++ {
		dev.Image[i] = 0xff
	}
	b.out.puts(fmt.Sprintf("SF: %d bytes @ %#x Erased: OK\n", n, off))
	return true
}

// sfWrite is sf write ADDR OFF LEN: programming only clears bits.
func (b *uboot) sfWrite(dev *FlashDevice, args []string) bool {
	if len(args) < 5 {
		b.out.puts("sf - SPI flash sub-system\n")
		return false
	}
	addr, off, n := b.hex(args[2]), b.hex(args[3]), b.hex(args[4])
	if off+n > uint64(len(dev.Image)) {
		b.out.puts(fmt.Sprintf("ERROR: attempting write past flash size (%#x)\n", len(dev.Image)))
		return false
	}
	b.abortIfUnmapped(addr, n)
	data := make([]byte, n)
	b.mem.read(addr, data)
	for i, c := range data {
		dev.Image[off+uint64(i)] &= c
	}
	b.out.puts(fmt.Sprintf("SF: %d bytes @ %#x Written: OK\n", n, off))
	return true
}

// nandErase is nand erase OFF LEN: bad blocks are skipped, as U-Boot does.
func (b *uboot) nandErase(dev *FlashDevice, args []string) bool {
	if len(args) < 4 {
		b.out.puts("nand - NAND sub-system\n")
		return false
	}
	off, n := int64(b.hex(args[2])), int64(b.hex(args[3]))
	b.out.puts(fmt.Sprintf("\nNAND erase: device 0 offset %#x, size %#x\n", off, n))
	if off%int64(dev.EraseSize) != 0 || n%int64(dev.EraseSize) != 0 || off+n > int64(len(dev.Image)) {
		b.out.puts("Attempt to erase non block-aligned data\nERROR\n")
		return false
	}
	for at := off; at < off+n; at += int64(dev.EraseSize) {
		if dev.bad(at) {
			b.out.puts(fmt.Sprintf("Skipping bad block at  0x%08x                                          \n", at))
			continue
		}
		for i := at; i < at+int64(dev.EraseSize); i++ {
			dev.Image[i] = 0xff
		}
	}
	b.out.puts(fmt.Sprintf("\rErasing at %#x -- 100%% complete.\nOK\n", off+n-int64(dev.EraseSize)))
	return true
}

// nandWrite is nand write ADDR OFF LEN: whole pages; bad blocks are
// skipped and the data goes to the next good one.
func (b *uboot) nandWrite(dev *FlashDevice, args []string) bool {
	if len(args) < 5 {
		b.out.puts("nand - NAND sub-system\n")
		return false
	}
	addr, off, n := b.hex(args[2]), int64(b.hex(args[3])), int64(b.hex(args[4]))
	b.out.puts(fmt.Sprintf("\nNAND write: device 0 offset %#x, size %#x\n", off, n))
	if off%int64(dev.PageSize) != 0 || n%int64(dev.PageSize) != 0 {
		b.out.puts("Attempt to write non page-aligned data\n 0 bytes written: ERROR\n")
		return false
	}
	b.abortIfUnmapped(addr, uint64(n))
	data := make([]byte, n)
	b.mem.read(addr, data)
	at := off
	for len(data) > 0 {
		if at >= int64(len(dev.Image)) {
			b.out.puts(fmt.Sprintf("Attempt to write outside the flash area\n %d bytes written: ERROR\n", n))
			return false
		}
		block := at - at%int64(dev.EraseSize)
		if dev.bad(at) {
			b.out.puts(fmt.Sprintf("Skip bad block 0x%08x\n", block))
			at = block + int64(dev.EraseSize)
			continue
		}
		k := min(int64(len(data)), block+int64(dev.EraseSize)-at)
		for i := int64(0); i < k; i++ {
			dev.Image[at+i] &= data[i]
		}
		data, at = data[k:], at+k
	}
	b.out.puts(fmt.Sprintf(" %d bytes written: OK\n", n))
	return true
}

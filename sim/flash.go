package sim

import (
	"cmp"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// FlashDevice is flash the CPU cannot read directly: U-Boot copies it into
// RAM first (sf read, nand read, mtd read, mmc read).
type FlashDevice struct {
	Kind      string  // "sf" (SPI NOR), "nand" or "mmc"
	Name      string  // its MTD name; default "spi-nor@0", "nand0"; mmc devices are numbered
	Chip      string  // what sf probe detects; default "w25q128"
	Image     []byte  // the contents
	EraseSize int     // default 64 KiB (sf), 128 KiB (nand)
	PageSize  int     // default 256 (sf), 2048 (nand)
	OOBSize   int     // NAND spare bytes per page; default 64
	BadBlocks []int64 // NAND blocks marked bad (offsets)
}

// FlashFromFile loads a device of kind (sf, nand, mmc) from an image file;
// bad lists NAND bad blocks as comma-separated offsets ("0x40000,0x1e00000").
func FlashFromFile(kind, path, bad string) (FlashDevice, error) {
	dev := FlashDevice{Kind: kind}
	switch kind {
	case "sf", "nand", "mmc":
	default:
		return dev, fmt.Errorf("flash kind %q: sf, nand or mmc", kind)
	}
	img, err := os.ReadFile(path)
	if err != nil {
		return dev, fmt.Errorf("simulated %s image: %w", kind, err)
	}
	dev.Image = img
	if bad != "" {
		for _, b := range strings.Split(bad, ",") {
			v, err := strconv.ParseInt(b, 0, 64)
			if err != nil || v < 0 || v >= int64(len(img)) {
				return dev, fmt.Errorf("bad block %q: an offset inside the %d-byte NAND image", b, len(img))
			}
			dev.BadBlocks = append(dev.BadBlocks, v)
		}
	}
	return dev, nil
}

func (d FlashDevice) withDefaults() FlashDevice {
	switch d.Kind {
	case "sf":
		d.Name = cmp.Or(d.Name, "spi-nor@0")
		d.Chip = cmp.Or(d.Chip, "w25q128")
		d.EraseSize = cmp.Or(d.EraseSize, 64<<10)
		d.PageSize = cmp.Or(d.PageSize, 256)
	case "nand":
		d.Name = cmp.Or(d.Name, "nand0")
		d.EraseSize = cmp.Or(d.EraseSize, 128<<10)
		d.PageSize = cmp.Or(d.PageSize, 2048)
		d.OOBSize = cmp.Or(d.OOBSize, 64)
	}
	return d
}

func flashDefaults(devs []FlashDevice) []FlashDevice {
	out := make([]FlashDevice, len(devs))
	for i, d := range devs {
		out[i] = d.withDefaults()
	}
	return out
}

func (d *FlashDevice) bad(off int64) bool {
	for _, b := range d.BadBlocks {
		if off/int64(d.EraseSize) == b/int64(d.EraseSize) {
			return true
		}
	}
	return false
}

// device finds a flash device by kind and index among its kind.
func (b *uboot) device(kind string, index int) *FlashDevice {
	for i := range b.flash {
		if b.flash[i].Kind == kind {
			if index == 0 {
				return &b.flash[i]
			}
			index--
		}
	}
	return nil
}

// sizeText prints a size as U-Boot's print_size does: the largest binary
// unit the size reaches, with one rounded decimal when it is not whole:
// "16 MiB", "4 KiB", "3.5 MiB", "256 Bytes".
func sizeText(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n < 1<<u.shift {
			continue
		}
		whole, rest := n>>u.shift, n&(1<<u.shift-1)
		tenth := (10*rest + 1<<(u.shift-1)) >> u.shift
		if tenth >= 10 {
			whole, tenth = whole+1, tenth-10
		}
		if tenth == 0 {
			return fmt.Sprintf("%d %s", whole, u.name)
		}
		return fmt.Sprintf("%d.%d %s", whole, tenth, u.name)
	}
	return fmt.Sprintf("%d Bytes", n)
}

// toRAM copies flash data to a RAM address.
func (b *uboot) toRAM(addr uint64, data []byte) {
	b.abortIfUnmapped(addr, uint64(len(data)))
	b.mem.write(addr, data)
}

func (b *uboot) sf(args []string) bool {
	dev := b.device("sf", 0)
	if len(args) < 2 {
		b.out.puts("sf - SPI flash sub-system\n\nUsage:\nsf probe [[bus:]cs] [hz] [mode]\t- init flash device on given SPI bus\n\t\t\t\t  and chip select\nsf read addr offset|partition len\t- read `len' bytes starting at\n\t\t\t\t          `offset' or from start of mtd\n\t\t\t\t\t  `partition'to memory at `addr'\n")
		return false
	}
	switch args[1] {
	case "probe":
		if len(args) > 2 && args[2] != "0" && args[2] != "0:0" {
			b.out.puts(fmt.Sprintf("Invalid bus %s (err=-19)\nFailed to initialize SPI flash at %s (error -19)\n", args[2], args[2]))
			return false
		}
		b.sfProbed = true
		b.out.puts(fmt.Sprintf("SF: Detected %s with page size %s, erase size %s, total %s\n",
			dev.Chip, sizeText(int64(dev.PageSize)), sizeText(int64(dev.EraseSize)), sizeText(int64(len(dev.Image)))))
		return true
	case "read":
		if !b.sfProbed {
			b.out.puts("No SPI flash selected. Please run `sf probe'\n")
			return false
		}
		if len(args) < 5 {
			b.out.puts("sf - SPI flash sub-system\n")
			return false
		}
		addr, off, n := b.hex(args[2]), b.hex(args[3]), b.hex(args[4])
		if off+n > uint64(len(dev.Image)) {
			b.out.puts(fmt.Sprintf("ERROR: attempting read past flash size (%#x)\n", len(dev.Image)))
			return false
		}
		b.toRAM(addr, dev.Image[off:off+n])
		b.out.puts(fmt.Sprintf("SF: %d bytes @ %#x Read: OK\n", n, off))
		return true
	case "erase", "write":
		if !b.sfProbed {
			b.out.puts("No SPI flash selected. Please run `sf probe'\n")
			return false
		}
		if args[1] == "erase" {
			return b.sfErase(dev, args)
		}
		return b.sfWrite(dev, args)
	}
	b.out.puts("sf - SPI flash sub-system\n")
	return false
}

func (b *uboot) nand(args []string) bool {
	dev := b.device("nand", 0)
	if len(args) < 2 {
		b.out.puts("nand - NAND sub-system\n")
		return false
	}
	switch cmd := args[1]; {
	case cmd == "info":
		b.out.puts(fmt.Sprintf("\nDevice 0: %s, sector size %d KiB\n", dev.Name, dev.EraseSize>>10))
		b.out.puts(fmt.Sprintf("  Page size   %8d b\n  OOB size    %8d b\n  Erase size  %8d b\n  subpagesize %8d b\n",
			dev.PageSize, dev.OOBSize, dev.EraseSize, dev.PageSize))
		b.out.puts("  options     0x40004200\n  bbt options 0x00008000\n")
		return true
	case cmd == "bad":
		b.out.puts("\nDevice 0 bad blocks:\n")
		for off := int64(0); off < int64(len(dev.Image)); off += int64(dev.EraseSize) {
			if dev.bad(off) {
				b.out.puts(fmt.Sprintf("  %08x\n", off))
			}
		}
		return true
	case cmd == "erase":
		return b.nandErase(dev, args)
	case cmd == "write":
		return b.nandWrite(dev, args)
	case cmd == "read" || cmd == "read.raw":
		if len(args) < 4 {
			b.out.puts("nand - NAND sub-system\n")
			return false
		}
		b.out.puts("\nNAND read: ")
		addr, off := b.hex(args[2]), int64(b.hex(args[3]))
		if off >= int64(len(dev.Image)) {
			b.out.puts("Offset exceeds device limit\n")
			return false
		}
		if cmd == "read.raw" {
			return b.nandReadRaw(dev, addr, off, args)
		}
		n := int64(len(dev.Image)) - off
		if len(args) > 4 {
			n = int64(b.hex(args[4]))
		}
		if off+n > int64(len(dev.Image)) {
			b.out.puts("Size exceeds partition or device limit\n")
			return false
		}
		b.out.puts(fmt.Sprintf("device 0 offset %#x, size %#x\n", off, n))
		if off%int64(dev.PageSize) != 0 {
			b.out.puts("Attempt to read non page-aligned data\n 0 bytes read: ERROR\n")
			return false
		}
		// Bad blocks are skipped: the data comes from the next good one.
		var data []byte
		for at := off; int64(len(data)) < n; {
			if at >= int64(len(dev.Image)) {
				b.out.puts("Attempt to read outside the flash area\n")
				b.out.puts(fmt.Sprintf(" %d bytes read: ERROR\n", n))
				return false
			}
			block := at - at%int64(dev.EraseSize)
			if dev.bad(at) {
				b.out.puts(fmt.Sprintf("Skipping bad block 0x%08x\n", block))
				at = block + int64(dev.EraseSize)
				continue
			}
			k := min(n-int64(len(data)), block+int64(dev.EraseSize)-at)
			data = append(data, dev.Image[at:at+k]...)
			at += k
		}
		b.toRAM(addr, data)
		b.out.puts(fmt.Sprintf(" %d bytes read: OK\n", n))
		return true
	}
	b.out.puts("nand - NAND sub-system\n")
	return false
}

// nandReadRaw copies pages with their spare areas: erased spare bytes, and
// the bad-block marker (a zero first spare byte) in a bad block's first page.
func (b *uboot) nandReadRaw(dev *FlashDevice, addr uint64, off int64, args []string) bool {
	pages := int64(1)
	if len(args) > 4 {
		pages = int64(b.hex(args[4]))
	}
	b.out.puts(fmt.Sprintf("device 0 offset %#x, size %#x\n", off, int64(len(dev.Image))-off))
	if off+pages*int64(dev.PageSize) > int64(len(dev.Image)) {
		b.out.puts("Size exceeds partition or device limit\n")
		return false
	}
	var data []byte
	for p := int64(0); p < pages; p++ {
		at := off + p*int64(dev.PageSize)
		data = append(data, dev.Image[at:at+int64(dev.PageSize)]...)
		spare := make([]byte, dev.OOBSize)
		for i := range spare {
			spare[i] = 0xFF
		}
		if dev.bad(at) && at%int64(dev.EraseSize) == 0 {
			spare[0] = 0
		}
		data = append(data, spare...)
	}
	b.toRAM(addr, data)
	b.out.puts(fmt.Sprintf(" %d bytes read: OK\n", len(data)))
	return true
}

// mtdDevice is one entry of mtd list: the memory-mapped NOR flash and the
// SPI NOR and NAND devices.
type mtdDevice struct {
	name      string
	kind      string // "NOR flash" or "NAND flash"
	image     []byte
	eraseSize int
	minIO     int
	flash     *FlashDevice // nil for the memory-mapped NOR
}

func (b *uboot) mtdDevices() []mtdDevice {
	devs := []mtdDevice{{name: "nor0", kind: "NOR flash", image: b.mem.flash, eraseSize: 0x20000, minIO: 1}}
	for i := range b.flash {
		d := &b.flash[i]
		switch d.Kind {
		case "sf":
			devs = append(devs, mtdDevice{d.Name, "NOR flash", d.Image, d.EraseSize, 1, d})
		case "nand":
			devs = append(devs, mtdDevice{d.Name, "NAND flash", d.Image, d.EraseSize, d.PageSize, d})
		}
	}
	return devs
}

func (b *uboot) mtd(args []string) bool {
	if len(args) < 2 {
		b.out.puts("mtd - MTD utils\n")
		return false
	}
	devs := b.mtdDevices()
	find := func(name string) *mtdDevice {
		for i := range devs {
			if devs[i].name == name {
				return &devs[i]
			}
		}
		b.out.puts(fmt.Sprintf("MTD device %s not found, ret -19\n", name))
		return nil
	}
	switch args[1] {
	case "list":
		b.out.puts("List of MTD devices:\n")
		parts := b.partitions()
		for _, d := range devs {
			b.out.puts(fmt.Sprintf("* %s\n  - type: %s\n  - block size: %#x bytes\n  - min I/O: %#x bytes\n", d.name, d.kind, d.eraseSize, d.minIO))
			if d.flash != nil && d.flash.Kind == "nand" {
				b.out.puts(fmt.Sprintf("  - OOB size: %d bytes\n  - OOB available: %d bytes\n", d.flash.OOBSize, d.flash.OOBSize-2))
			}
			b.out.puts(fmt.Sprintf("  - 0x%012x-0x%012x : \"%s\"\n", 0, len(d.image), d.name))
			for _, p := range parts[d.name] {
				b.out.puts(fmt.Sprintf("\t  - 0x%012x-0x%012x : \"%s\"\n", p.off, p.off+p.size, p.name))
			}
		}
		return true
	case "bad":
		if len(args) < 3 {
			return false
		}
		d := find(args[2])
		if d == nil {
			return false
		}
		if d.flash == nil || d.flash.Kind != "nand" {
			b.out.puts("Only NAND-based devices can have bad blocks\n")
			return true
		}
		b.out.puts(fmt.Sprintf("MTD device %s bad blocks list:\n", d.name))
		for off := int64(0); off < int64(len(d.image)); off += int64(d.eraseSize) {
			if d.flash.bad(off) {
				b.out.puts(fmt.Sprintf("\t0x%08x\n", off))
			}
		}
		return true
	case "read":
		if len(args) < 4 {
			b.out.puts("mtd - MTD utils\n")
			return false
		}
		d, base := b.mtdByName(devs, args[2])
		if d == nil {
			b.out.puts(fmt.Sprintf("MTD device %s not found, ret -19\n", args[2]))
			return false
		}
		addr := b.hex(args[3])
		var off, n uint64
		if len(args) > 4 {
			off = b.hex(args[4])
		}
		n = uint64(len(d.image)) - off - base
		if len(args) > 5 {
			n = b.hex(args[5])
		}
		b.out.puts(fmt.Sprintf("Reading %d byte(s) at offset 0x%08x\n", n, off))
		if base+off+n > uint64(len(d.image)) {
			b.out.puts(fmt.Sprintf("Failure while reading at offset %#x\nRead on %s failed with error -22\n", off, args[2]))
			return false
		}
		if d.flash == nil || d.flash.Kind != "nand" {
			b.toRAM(addr, d.image[base+off:base+off+n])
			return true
		}
		// On NAND, mtd read steps over bad blocks without a word.
		var data []byte
		for at := int64(base + off); uint64(len(data)) < n; {
			if at >= int64(len(d.image)) {
				b.out.puts(fmt.Sprintf("Failure while reading at offset %#x\nRead on %s failed with error -22\n", off, args[2]))
				return false
			}
			block := at - at%int64(d.eraseSize)
			if d.flash.bad(at) {
				at = block + int64(d.eraseSize)
				continue
			}
			k := min(int64(n)-int64(len(data)), block+int64(d.eraseSize)-at)
			data = append(data, d.image[at:at+k]...)
			at += k
		}
		b.toRAM(addr, data)
		return true
	}
	b.out.puts("mtd - MTD utils\n")
	return false
}

// mtdByName finds a device or a partition of one (from mtdparts), and the
// partition's offset in its device.
func (b *uboot) mtdByName(devs []mtdDevice, name string) (*mtdDevice, uint64) {
	for i := range devs {
		if devs[i].name == name {
			return &devs[i], 0
		}
	}
	for dev, parts := range b.partitions() {
		for _, p := range parts {
			if p.name != name {
				continue
			}
			for i := range devs {
				if devs[i].name == dev {
					d := devs[i]
					d.image = d.image[:p.off+p.size]
					return &d, p.off
				}
			}
		}
	}
	return nil, 0
}

type partition struct {
	name      string
	off, size uint64
}

// partitions reads the mtdparts variable ("mtdparts=ID:SIZE[@OFF](NAME),...;...")
// with its own small parser, as U-Boot's mtdparts code does.
func (b *uboot) partitions() map[string][]partition {
	out := map[string][]partition{}
	spec := strings.TrimPrefix(b.env["mtdparts"], "mtdparts=")
	for _, devSpec := range strings.Split(spec, ";") {
		id, list, ok := strings.Cut(devSpec, ":")
		if !ok {
			continue
		}
		next := uint64(0)
		for _, p := range strings.Split(list, ",") {
			sizeOff, rest, _ := strings.Cut(p, "(")
			name, _, _ := strings.Cut(rest, ")")
			sizeText, offText, hasOff := strings.Cut(sizeOff, "@")
			off := next
			if hasOff {
				off = memSize(offText)
			}
			size := memSize(sizeText)
			if sizeText == "-" {
				size = b.mtdSize(id) - off
			}
			out[id] = append(out[id], partition{name, off, size})
			next = off + size
		}
	}
	return out
}

func (b *uboot) mtdSize(name string) uint64 {
	for _, d := range b.mtdDevices() {
		if d.name == name {
			return uint64(len(d.image))
		}
	}
	return 0
}

// memSize reads "64k", "0x40000", "1m".
func memSize(s string) uint64 {
	mult := uint64(1)
	switch strings.ToLower(s[len(s)-min(1, len(s)):]) {
	case "k":
		mult, s = 1<<10, s[:len(s)-1]
	case "m":
		mult, s = 1<<20, s[:len(s)-1]
	case "g":
		mult, s = 1<<30, s[:len(s)-1]
	}
	v, _ := strconv.ParseUint(s, 0, 64)
	return v * mult
}

func (b *uboot) mmc(args []string) bool {
	if len(args) < 2 {
		b.out.puts("mmc - MMC sub system\n")
		return false
	}
	dev := b.device("mmc", b.mmcDev)
	switch args[1] {
	case "list":
		for i := 0; b.device("mmc", i) != nil; i++ {
			b.out.puts(fmt.Sprintf("mmc@%x: %d (eMMC)\n", 0xfe320000+uint64(i)*0x10000, i))
		}
		return true
	case "dev":
		if len(args) > 2 {
			n, _ := strconv.Atoi(args[2])
			if b.device("mmc", n) == nil {
				b.out.puts("Card did not respond to voltage select! : -110\n")
				return false
			}
			b.mmcDev = n
		}
		b.out.puts(fmt.Sprintf("switch to partitions #0, OK\nmmc%d(part 0) is current device\n", b.mmcDev))
		return true
	case "info":
		if dev == nil {
			b.out.puts("No MMC device available\n")
			return false
		}
		b.out.puts(fmt.Sprintf("Device: mmc@%x\nManufacturer ID: 15\nOEM: 100\nName: BDSIM \nBus Speed: 52000000\nMode: MMC High Speed (52MHz)\nRd Block Len: 512\nMMC version 5.1\nHigh Capacity: Yes\nCapacity: %s\nBus Width: 8-bit\nErase Group Size: 512 KiB\n",
			0xfe320000+uint64(b.mmcDev)*0x10000, sizeText(int64(len(dev.Image)))))
		return true
	case "read":
		if len(args) < 5 || dev == nil {
			b.out.puts("mmc - MMC sub system\n")
			return false
		}
		addr, blk, cnt := b.hex(args[2]), b.hex(args[3]), b.hex(args[4])
		b.out.puts(fmt.Sprintf("\nMMC read: dev # %d, block # %d, count %d ... ", b.mmcDev, blk, cnt))
		if (blk+cnt)*512 > uint64(len(dev.Image)) {
			b.out.puts("0 blocks read: ERROR\n")
			return false
		}
		b.toRAM(addr, dev.Image[blk*512:(blk+cnt)*512])
		b.out.puts(fmt.Sprintf("%d blocks read: OK\n", cnt))
		return true
	}
	b.out.puts("mmc - MMC sub system\n")
	return false
}

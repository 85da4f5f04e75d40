package sim

// memory is a board's address space: a flash image that reads as it is and
// ignores plain stores (as NOR flash does outside its program sequence), and
// RAM that holds what is written and is lost on reset.
//
// The CPU reaches RAM through caches, as on real hardware (QEMU models
// none): a write-back data cache keeps what the CPU stores until it is
// flushed, and the CPU fetches code through an instruction cache filled
// from RAM, not from the data cache. So code written with plain stores
// (mw.l) and run without a flush runs what RAM held before, as it would on
// a real board; U-Boot's loaders and bootm flush (cmd/load.c, boot/bootm.c).
// Lines stay dirty until a flush or a reset (a real cache also evicts,
// which makes a stale fetch rarer, never right).
//
// On MIPS, KSEG0 (0x80000000) and KSEG1 (0xa0000000) map the same
// physical memory, cached and uncached (sign-extended on 64-bit builds);
// flash and RAM are reachable through both.
type memory struct {
	flashBase uint64
	flash     []byte
	ramBase   uint64
	ramSize   uint64
	ram       map[uint64][]byte // 64 KiB pages, allocated on first write
	mips      bool              // KSEG0/KSEG1 aliases
	dcache    map[uint64]*[lineSize]byte
	icache    map[uint64]*[lineSize]byte
	// regs are a SoC's registers that a host may read (its ID, a UART's
	// line control), by the address the CPU reads them at, in its byte
	// order; stores to them are ignored.
	regs map[uint64][4]byte
}

const (
	pageSize = 64 << 10
	lineSize = 32 // a cache line
)

// canon is the address under which memory keeps what addr reaches (the
// flash's or RAM's own base), and whether the CPU reaches it through the
// caches. An address of no region is returned as it is.
func (m *memory) canon(addr uint64) (uint64, bool) {
	if m.mips {
		var cached bool
		switch {
		case addr >= 0x80000000 && addr < 0xc0000000:
			cached = addr < 0xa0000000
		case addr >= 0xffffffff80000000 && addr < 0xffffffffc0000000:
			cached = addr < 0xffffffffa0000000
		default:
			return addr, false
		}
		phys := addr & 0x1fffffff
		if r := m.ramBase & 0x1fffffff; phys >= r && phys < r+m.ramSize {
			return m.ramBase + phys - r, cached
		}
		if f := m.flashBase & 0x1fffffff; phys >= f && phys < f+uint64(len(m.flash)) {
			return m.flashBase + phys - f, cached
		}
		return addr, false
	}
	return addr, m.isRAM(addr)
}

func (m *memory) mapped(addr, n uint64) bool {
	if n == 0 {
		return true
	}
	if m.isRegs(addr, n) {
		return true
	}
	addr, _ = m.canon(addr)
	end := addr + n
	if end < addr {
		return false
	}
	inFlash := addr >= m.flashBase && end <= m.flashBase+uint64(len(m.flash))
	inRAM := addr >= m.ramBase && end <= m.ramBase+m.ramSize
	return inFlash || inRAM
}

// isRegs: [addr, addr+n) is all registers.
func (m *memory) isRegs(addr, n uint64) bool {
	if len(m.regs) == 0 || n == 0 {
		return false
	}
	for a := addr &^ 3; a < addr+n; a += 4 {
		if _, ok := m.regs[a]; !ok {
			return false
		}
	}
	return true
}

func (m *memory) inFlash(addr uint64) bool {
	addr, _ = m.canon(addr)
	return addr >= m.flashBase && addr < m.flashBase+uint64(len(m.flash))
}

func (m *memory) isRAM(addr uint64) bool {
	return addr >= m.ramBase && addr < m.ramBase+m.ramSize
}

// read is a CPU load of dst's worth at addr (the caller has checked it is
// mapped): cached RAM reads what the data cache holds.
func (m *memory) read(addr uint64, dst []byte) {
	if m.isRegs(addr, uint64(len(dst))) {
		for i := range dst {
			a := addr + uint64(i)
			dst[i] = m.regs[a&^3][a&3]
		}
		return
	}
	c, cached := m.canon(addr)
	m.backing(c, dst)
	if cached {
		m.overlay(c, dst, m.dcache)
	}
}

// fetch is the CPU fetching code at addr: through the instruction cache,
// filled from RAM (never from the data cache), when cached.
func (m *memory) fetch(addr uint64, dst []byte) {
	c, cached := m.canon(addr)
	if !cached {
		m.backing(c, dst)
		return
	}
	for i := 0; i < len(dst); {
		line := (c + uint64(i)) &^ (lineSize - 1)
		l := m.icache[line]
		if l == nil {
			l = new([lineSize]byte)
			m.backing(line, l[:])
			if m.icache == nil {
				m.icache = map[uint64]*[lineSize]byte{}
			}
			m.icache[line] = l
		}
		n := copy(dst[i:], l[c+uint64(i)-line:])
		i += n
	}
}

// write is a CPU store: into the data cache where RAM is cached, else
// straight to RAM (flash ignores plain stores).
func (m *memory) write(addr uint64, src []byte) {
	c, cached := m.canon(addr)
	if !cached || !m.isRAM(c) {
		m.store(c, src)
		return
	}
	if m.dcache == nil {
		m.dcache = map[uint64]*[lineSize]byte{}
	}
	for i := 0; i < len(src); {
		line := (c + uint64(i)) &^ (lineSize - 1)
		l := m.dcache[line]
		if l == nil {
			l = new([lineSize]byte)
			m.backing(line, l[:]) // a line is filled before it is written
			m.dcache[line] = l
		}
		n := copy(l[c+uint64(i)-line:], src[i:])
		i += n
	}
}

// flushRange is U-Boot's flush_cache(addr, n): the data cache's lines
// over the range are written back to RAM and the instruction cache's
// dropped (MIPS's flush_cache does both; on ARM the loaders' flush is
// what makes the code reach RAM, and this board's instruction cache holds
// only code fetched before).
func (m *memory) flushRange(addr, n uint64) {
	c, _ := m.canon(addr)
	for line := c &^ (lineSize - 1); line < c+n; line += lineSize {
		if l := m.dcache[line]; l != nil {
			m.store(line, l[:])
			delete(m.dcache, line)
		}
		delete(m.icache, line)
	}
}

// flushData writes every dirty line back (dcache flush); flushCode drops
// the instruction cache (icache flush).
func (m *memory) flushData() {
	for line, l := range m.dcache {
		m.store(line, l[:])
	}
	m.dcache = nil
}

func (m *memory) flushCode() { m.icache = nil }

// backing copies what flash or RAM itself holds at canonical addr.
func (m *memory) backing(addr uint64, dst []byte) {
	if addr >= m.flashBase && addr < m.flashBase+uint64(len(m.flash)) {
		copy(dst, m.flash[addr-m.flashBase:])
		return
	}
	for len(dst) > 0 {
		off := (addr - m.ramBase) % pageSize
		n := min(uint64(len(dst)), pageSize-off)
		if page := m.ram[addr-off]; page != nil {
			copy(dst[:n], page[off:])
		} else {
			clear(dst[:n])
		}
		dst = dst[n:]
		addr += n
	}
}

// overlay lays the cache's lines over dst, read from canonical addr.
func (m *memory) overlay(addr uint64, dst []byte, cache map[uint64]*[lineSize]byte) {
	if len(cache) == 0 {
		return
	}
	for i := 0; i < len(dst); {
		line := (addr + uint64(i)) &^ (lineSize - 1)
		from := addr + uint64(i) - line
		n := min(uint64(len(dst)-i), lineSize-from)
		if l := cache[line]; l != nil {
			copy(dst[i:i+int(n)], l[from:])
		}
		i += int(n)
	}
}

// store writes RAM itself at canonical addr.
func (m *memory) store(addr uint64, src []byte) {
	for len(src) > 0 {
		off := (addr - m.ramBase) % pageSize
		n := min(uint64(len(src)), pageSize-off)
		if m.isRAM(addr) {
			if m.ram == nil {
				m.ram = map[uint64][]byte{}
			}
			page := m.ram[addr-off]
			if page == nil {
				page = make([]byte, pageSize)
				m.ram[addr-off] = page
			}
			copy(page[off:], src[:n])
		}
		src = src[n:]
		addr += n
	}
}

// resetRAM is a power cycle: RAM and both caches are lost.
func (m *memory) resetRAM() { m.ram, m.dcache, m.icache = nil, nil, nil }

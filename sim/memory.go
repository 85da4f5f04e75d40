package sim

// memory is a board's address space: a flash image that reads as it is and
// ignores plain stores (as NOR flash does outside its program sequence), and
// RAM that holds what is written and is lost on reset.
type memory struct {
	flashBase uint64
	flash     []byte
	ramBase   uint64
	ramSize   uint64
	ram       map[uint64][]byte // 64 KiB pages, allocated on first write
}

const pageSize = 64 << 10

func (m *memory) mapped(addr, n uint64) bool {
	if n == 0 {
		return true
	}
	end := addr + n
	if end < addr {
		return false
	}
	inFlash := addr >= m.flashBase && end <= m.flashBase+uint64(len(m.flash))
	inRAM := addr >= m.ramBase && end <= m.ramBase+m.ramSize
	return inFlash || inRAM
}

func (m *memory) inFlash(addr uint64) bool {
	return addr >= m.flashBase && addr < m.flashBase+uint64(len(m.flash))
}

func (m *memory) isRAM(addr uint64) bool {
	return addr >= m.ramBase && addr < m.ramBase+m.ramSize
}

// read copies memory at addr into dst; the caller has checked it is mapped.
func (m *memory) read(addr uint64, dst []byte) {
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

func (m *memory) write(addr uint64, src []byte) {
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

func (m *memory) resetRAM() { m.ram = nil }

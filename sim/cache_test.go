package sim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/binreader"
)

// typeWords writes code at addr with mw.l, a word a command, in order.
func (s *session) typeWords(addr uint64, code []byte, order binary.ByteOrder) {
	s.t.Helper()
	for off := 0; off+4 <= len(code); off += 4 {
		s.run(fmt.Sprintf("mw.l %x %08x", addr+uint64(off), order.Uint32(code[off:])))
	}
}

// listen reads what the board prints for d: for what must not come.
func (s *session) listen(d time.Duration) string {
	s.port.r.SetReadDeadline(time.Now().Add(d))
	defer s.port.r.SetReadDeadline(time.Time{})
	tmp := make([]byte, 4096)
	for {
		n, err := s.port.Read(tmp)
		s.buf = append(s.buf, tmp[:n]...)
		if err != nil {
			break // the deadline
		}
	}
	out := string(s.buf)
	s.buf = nil
	return out
}

// reader is the embedded reader for arch with its parameters set to do
// nothing (mode 3) and return 0.
func reader(t *testing.T, arch string) []byte {
	a, _ := binreader.ArchNamed(arch)
	p, err := binreader.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	return p.With(binreader.Params{Mode: binreader.ModeDone})
}

// TestCacheModel: code written with mw.l sits in the write-back data
// cache, and the CPU fetches from RAM: run unflushed it crashes the
// board, as on real hardware, though crc32 (a data read) finds it whole.
// Run as bootdump runs it, it works: on MIPS written and run through
// uncached KSEG1; on ARM by bootm, which flushes what it loads.
func TestCacheModel(t *testing.T) {
	t.Run("mips", func(t *testing.T) {
		s := newSession(t, Config{Dialect: "ralink", Image: make([]byte, 64<<10)})
		code := reader(t, "mipsel")
		s.typeWords(0x82000000, code, binary.LittleEndian) // KSEG0: cached
		if out := s.run(fmt.Sprintf("md.l 0x82000000 %x", len(code)/4)); !strings.Contains(out, fmt.Sprintf("82000000: %08x", binary.LittleEndian.Uint32(code))) {
			t.Fatalf("md does not show what mw.l wrote (the data cache is the CPU's view):\n%s", out)
		}
		s.port.Write([]byte("go 0x82000000\r"))
		if out := s.listen(2 * time.Second); !strings.Contains(out, "## Starting application") || strings.Contains(out, "## Application terminated") || strings.Contains(out, "MT7628 # ") {
			t.Fatalf("code run from the cache's stale RAM did not hang the board:\n%q", out)
		}
		s = newSession(t, Config{Dialect: "ralink", Image: make([]byte, 64<<10)})
		s.typeWords(0xa2000000, code, binary.LittleEndian) // KSEG1: uncached
		if out := s.run("go 0xa2000000"); !strings.Contains(out, "## Application terminated, rc = 0x0") {
			t.Fatalf("code written and run through KSEG1 did not run:\n%s", out)
		}
	})
	t.Run("arm", func(t *testing.T) {
		s := newSession(t, Config{Image: make([]byte, 64<<10), NoBootm: true, Console: "serial@10000000"})
		code := reader(t, "arm")
		s.typeWords(0x41000000, code, binary.LittleEndian)
		s.port.Write([]byte(fmt.Sprintf("crc32 0x41000000 %x\r", len(code))))
		if out := s.until("\n" + s.prompt); !strings.Contains(out, fmt.Sprintf("==> %08x", crc32.ChecksumIEEE(code))) {
			t.Fatalf("crc32 (a data read) does not find the code whole:\n%s", out)
		}
		s.port.Write([]byte("go 0x41000000\r"))
		if out := s.until("resetting ..."); !strings.Contains(out, "undefined instruction") {
			t.Fatalf("code run unflushed did not crash the board:\n%s", out)
		}
		s = newSession(t, Config{Image: make([]byte, 64<<10)})
		image := standalone(code, 0x41100000)
		s.typeWords(0x41000000, image, binary.LittleEndian)
		s.run("setenv autostart yes")
		if out := s.run("bootm 0x41000000"); !strings.Contains(out, "Loading Standalone Program") || strings.Contains(out, "resetting") {
			t.Fatalf("bootm did not run the program it flushed:\n%s", out)
		}
	})
}

// standalone is a legacy uImage of an ARM standalone program loaded and
// entered at load (mkimage -A arm -O u-boot -T standalone).
func standalone(code []byte, load uint32) []byte {
	h := make([]byte, 64)
	be := binary.BigEndian
	be.PutUint32(h[0:], uimageMagic)
	be.PutUint32(h[12:], uint32(len(code)))
	be.PutUint32(h[16:], load)
	be.PutUint32(h[20:], load)
	be.PutUint32(h[24:], crc32.ChecksumIEEE(code))
	h[28], h[29], h[30] = uimageOSUBoot, 2, uimageStandalone
	be.PutUint32(h[4:], crc32.ChecksumIEEE(h))
	return append(h, bytes.Clone(code)...)
}

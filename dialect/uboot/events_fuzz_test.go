package uboot

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/internal/imagetest"
)

// mdBoard is a 32-bit little-endian U-Boot that knows version, md.b, md.l
// and md.q (which prints nothing), over memory the test sets. Its md lines
// are printed here, as cmd/mem.c prints them, not by the parsers.
type mdBoard struct {
	r     *io.PipeReader
	w     *io.PipeWriter
	mu    sync.Mutex
	base  uint64
	mem   []byte
	typed bytes.Buffer
	out   chan string
}

func newMDBoard() *mdBoard {
	r, w := io.Pipe()
	b := &mdBoard{r: r, w: w, out: make(chan string, 16)}
	go func() {
		for s := range b.out {
			if _, err := w.Write([]byte(s)); err != nil {
				return
			}
		}
	}()
	return b
}

func (b *mdBoard) set(base uint64, mem []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.base, b.mem = base, mem
}

func (b *mdBoard) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *mdBoard) Close() error               { b.w.Close(); return b.r.Close() }

func (b *mdBoard) Write(p []byte) (int, error) {
	for _, c := range p {
		switch c {
		case console.CtrlC:
			b.out <- "<INTERRUPT>\r\n=> "
		case '\r':
			cmd := b.typed.String()
			b.typed.Reset()
			b.out <- cmd + "\r\n" + b.run(cmd) + "=> "
		default:
			b.typed.WriteByte(c)
		}
	}
	return len(p), nil
}

func (b *mdBoard) run(cmd string) string {
	f := strings.Fields(cmd)
	if len(f) == 1 && f[0] == "version" {
		return "U-Boot 2023.01 (Jan 10 2023 - 00:00:00 +0000)\r\n"
	}
	if len(f) != 3 || (f[0] != "md.b" && f[0] != "md.l") {
		return "" // md.q on a 32-bit build, and anything else
	}
	addr, err1 := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
	count, err2 := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 64)
	if err1 != nil || err2 != nil {
		return "Usage:\r\n"
	}
	w := uint64(1)
	if f[0] == "md.l" {
		w = 4
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var s strings.Builder
	for at, end := addr, addr+count*w; at < end; at += 16 {
		n := min(16, end-at)
		s.WriteString(fmt.Sprintf("%08x:", at))
		line := b.mem[at-b.base : at-b.base+n]
		for i := uint64(0); i < n; i += w {
			if w == 4 {
				s.WriteString(fmt.Sprintf(" %08x", binary.LittleEndian.Uint32(line[i:])))
			} else {
				s.WriteString(fmt.Sprintf(" %02x", line[i]))
			}
		}
		s.WriteString(strings.Repeat(" ", int((16-n)/w*(2*w+1))) + "  ")
		for _, c := range line {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			s.WriteByte(c)
		}
		s.WriteString("\r\n")
	}
	return s.String()
}

var fuzzBoard struct {
	once sync.Once
	b    *mdBoard
	s    *Session
	err  error
}

// FuzzEventTextsInData plants console texts (resets, countdowns, prompts,
// errors of every bootloader) in random data and reads it back with md:
// the bytes must come back exactly, with no event seen.
func FuzzEventTextsInData(f *testing.F) {
	f.Add([]byte("bootdump"), []byte{0, 0, 1, 16, 2, 40})
	f.Add(bytes.Repeat([]byte{0xff}, 64), []byte{5, 3, 9, 0})
	f.Add(make([]byte, 300), []byte{0, 0, 4, 80, 6, 100, 21, 160, 33, 200, 40, 240})
	texts := imagetest.EventTexts
	f.Fuzz(func(t *testing.T, data, plants []byte) {
		mem := make([]byte, (len(data)+15)&^15+16*(len(plants)/2+1)*4)
		copy(mem, data)
		for i := 0; i+1 < len(plants); i += 2 {
			text := texts[int(plants[i])%len(texts)]
			at := int(plants[i+1]) * 3 % len(mem)
			copy(mem[at:], text)
		}
		const base = 0x04000000
		fuzzBoard.once.Do(func() {
			fuzzBoard.b = newMDBoard()
			fuzzBoard.b.set(base, mem)
			con := console.New(fuzzBoard.b, Bootloader.ConsoleOptions(console.Options{IdleTimeout: 5 * time.Second}))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if fuzzBoard.err = con.Sync(ctx); fuzzBoard.err == nil {
				fuzzBoard.s, fuzzBoard.err = newSession(ctx, con, nil, dialect.Options{Addr: base, Size: 1 << 20})
			}
		})
		if fuzzBoard.err != nil {
			t.Fatal(fuzzBoard.err)
		}
		fuzzBoard.b.set(base, mem)
		got := make([]byte, len(mem))
		if err := fuzzBoard.s.ReadMemory(context.Background(), base, got, nil); err != nil {
			t.Fatalf("reading %d bytes holding console texts: %v", len(mem), err)
		}
		if !bytes.Equal(got, mem) {
			t.Fatalf("read back differs")
		}
	})
}

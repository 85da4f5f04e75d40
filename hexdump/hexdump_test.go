package hexdump

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// mdBlock is one md command and the lines it printed, from a capture.
type mdBlock struct {
	width int
	addr  uint64
	count int // units
	lines []string
}

// readCaptureBlocks pulls every md command with its output out of a raw
// U-Boot console capture.
func readCaptureBlocks(t testing.TB, path string) []mdBlock {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []mdBlock
	var cur *mdBlock
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "=> ") {
			cur = nil
			f := strings.Fields(line[3:])
			if len(f) == 3 && strings.HasPrefix(f[0], "md") {
				w := map[string]int{"md": 4, "md.b": 1, "md.w": 2, "md.l": 4, "md.q": 8}[f[0]]
				a, _ := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
				c, _ := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 64)
				if w != 0 {
					blocks = append(blocks, mdBlock{width: w, addr: a, count: int(c)})
					cur = &blocks[len(blocks)-1]
				}
			}
			continue
		}
		if cur != nil {
			cur.lines = append(cur.lines, line)
		}
	}
	return blocks
}

func TestCaptures(t *testing.T) {
	for _, name := range []string{"uboot-2023.01-qemu-arm.log", "uboot-2023.01-qemu-arm64.log"} {
		t.Run(name, func(t *testing.T) {
			blocks := readCaptureBlocks(t, "../testdata/"+name)
			if len(blocks) < 5 {
				t.Fatalf("only %d md blocks found in the capture", len(blocks))
			}
			mem := map[uint64]byte{}
			decoded := 0
			for _, b := range blocks {
				n := b.width * b.count
				if len(b.lines) == 0 {
					if b.width == 8 && strings.Contains(name, "arm.log") {
						continue // md.q on a 32-bit build prints nothing
					}
					t.Fatalf("md.%d at %x printed nothing", b.width, b.addr)
				}
				d := NewDecoder(Format{Width: b.width, Order: binary.LittleEndian}, b.addr, n)
				var out []byte
				for _, l := range b.lines {
					var err error
					if out, err = d.Line([]byte(l), out); err != nil {
						t.Fatalf("md width %d at %x: %v", b.width, b.addr, err)
					}
				}
				if d.Remaining() != 0 || len(out) != n {
					t.Fatalf("md width %d at %x: got %d bytes, want %d", b.width, b.addr, len(out), n)
				}
				for i, v := range out {
					a := b.addr + uint64(i)
					if old, ok := mem[a]; ok && old != v {
						t.Fatalf("byte at %x is %02x in one dump and %02x in another", a, old, v)
					}
					mem[a] = v
				}
				decoded += n
			}
			want := "bootdump reference flash image. bootdump"
			for i := range len(want) {
				if mem[0x04000000+uint64(i)] != want[i] {
					t.Fatalf("byte %d is %q, want %q", i, mem[0x04000000+uint64(i)], want[i])
				}
			}
			for i := range 16 {
				if mem[0x04002000+uint64(i)] != byte(i) {
					t.Fatalf("byte at 0x04002000+%d is %d", i, mem[0x04002000+uint64(i)])
				}
			}
			t.Logf("%d md blocks, %d bytes decoded, %d distinct addresses", len(blocks), decoded, len(mem))
		})
	}
}

// formatLine is this test's own rendering of a U-Boot md line, written from
// formats.md, used to build the variants the capture does not show.
func formatLine(addr uint64, data []byte, w int, order binary.ByteOrder, addrDigits int, gap string, pad bool) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%0*x:", addrDigits, addr)
	units := len(data) / w
	for i := 0; i < units; i++ {
		u := data[i*w : i*w+w]
		var v uint64
		switch w {
		case 1:
			v = uint64(u[0])
		case 2:
			v = uint64(order.Uint16(u))
		case 4:
			v = uint64(order.Uint32(u))
		case 8:
			v = order.Uint64(u)
		}
		fmt.Fprintf(&sb, " %0*x", 2*w, v)
	}
	if pad {
		sb.WriteString(strings.Repeat(" ", (16/w-units)*(2*w+1)))
	}
	sb.WriteString(gap)
	for _, b := range data {
		if b < 0x20 || b > 0x7e {
			b = '.'
		}
		sb.WriteByte(b)
	}
	return sb.String()
}

func TestVariants(t *testing.T) {
	data := []byte("  \x00\xffABCDEFGHIJKLMN 0123456789abcdef!")
	for _, w := range []int{1, 2, 4, 8} {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			for _, digits := range []int{8, 16} {
				for _, gap := range []string{"  ", "    "} {
					for _, pad := range []bool{true, false} {
						name := fmt.Sprintf("w%d-%v-%d-gap%d-pad%v", w, order, digits, len(gap), pad)
						t.Run(name, func(t *testing.T) {
							addr := uint64(0x7f0e0000)
							if digits == 16 {
								addr = 0x1_0000_0000
							}
							n := len(data) / w * w
							d := NewDecoder(Format{Width: w, Order: order}, addr, n)
							var out []byte
							for off := 0; off < n; off += 16 {
								end := min(off+16, n)
								line := formatLine(addr+uint64(off), data[off:end], w, order, digits, gap, pad)
								var err error
								if out, err = d.Line([]byte(line+"\r\n"), out); err != nil {
									t.Fatal(err)
								}
							}
							if !bytes.Equal(out, data[:n]) {
								t.Fatalf("got %q, want %q", out, data[:n])
							}
						})
					}
				}
			}
		}
	}
}

func TestBadLines(t *testing.T) {
	good := "04000000: 746f6f62 706d7564 66657220 6e657265  bootdump referen"
	f := Format{Width: 4, Order: binary.LittleEndian}
	if _, _, err := f.ParseLine([]byte(good), nil); err != nil {
		t.Fatalf("good line rejected: %v", err)
	}
	bad := map[string]string{
		"flipped hex digit":    "04000000: 746f6f62 706d7566 66657220 6e657265  bootdump referen",
		"flipped ascii":        "04000000: 746f6f62 706d7564 66657220 6e657265  bootdumq referen",
		"non-hex digit":        "04000000: 746f6f62 706d75g4 66657220 6e657265  bootdump referen",
		"dropped digit":        "04000000: 746f6f62 706d754 66657220 6e657265  bootdump referen",
		"dropped unit":         "04000000: 746f6f62 706d7564 66657220  bootdump refe",
		"dropped ascii char":   "04000000: 746f6f62 706d7564 66657220 6e657265  bootdump refere",
		"extra char":           "04000000: 746f6f62 706d7564 66657220 6e657265  bootdump referenn",
		"short address":        "4000000: 746f6f62 706d7564 66657220 6e657265  bootdump referen",
		"no colon":             "04000000 746f6f62 706d7564 66657220 6e657265  bootdump referen",
		"foreign text":         "Unknown command 'md' - try 'help'",
		"garbage in gap":       "04000000: 746f6f62 706d7564 66657220 6e657265 x bootdump referen",
		"wrong width":          "04000000: 62 6f 6f 74 64 75 6d 70 20 72 65 66 65 72 65 6e  bootdump referen",
		"merged with next":     "04000000: 746f6f62 706d7564 66657220 6e65726504000010: 66206563",
		"empty":                "",
		"prompt":               "=> ",
		"address only":         "04000000:",
		"three-space gap":      "04000000: 746f6f62 706d7564 66657220 6e657265   bootdump referen",
		"ascii column too few": "04000000: 746f6f62 706d7564 66657220 6e657265  ",
	}
	for name, line := range bad {
		t.Run(name, func(t *testing.T) {
			_, out, err := f.ParseLine([]byte(line), nil)
			if err == nil {
				t.Fatalf("accepted: %q -> % x", line, out)
			}
			if !errors.Is(err, ErrBadLine) {
				t.Fatalf("error %v is not ErrBadLine", err)
			}
		})
	}
}

func TestDecoderChecksAddressAndCount(t *testing.T) {
	f := Format{Width: 4, Order: binary.LittleEndian}
	line := []byte("04000000: 746f6f62 706d7564 66657220 6e657265  bootdump referen")
	if _, err := NewDecoder(f, 0x04000010, 32).Line(line, nil); err == nil {
		t.Fatal("a line at the wrong address was accepted")
	}
	if _, err := NewDecoder(f, 0x04000000, 8).Line(line, nil); err == nil {
		t.Fatal("a line with more bytes than owed was accepted")
	}
	d := NewDecoder(f, 0x04000000, 16)
	if _, err := d.Line(line, nil); err != nil {
		t.Fatal(err)
	}
	var le *LineError
	if _, err := d.Line(line, nil); !errors.As(err, &le) || le.Addr != 0x04000010 {
		t.Fatalf("an extra line gave %v, want a LineError at 0x04000010", err)
	}
}

func FuzzParseLine(f *testing.F) {
	for _, b := range readCaptureBlocks(f, "../testdata/uboot-2023.01-qemu-arm.log") {
		for _, l := range b.lines {
			f.Add([]byte(l), uint8(b.width))
		}
	}
	f.Fuzz(func(t *testing.T, line []byte, w uint8) {
		width := []int{1, 2, 4, 8}[w%4]
		format := Format{Width: width, Order: binary.BigEndian}
		addr, out, err := format.ParseLine(line, nil)
		if err != nil {
			return
		}
		if len(out) == 0 || len(out) > 16 || len(out)%width != 0 {
			t.Fatalf("accepted %q as %d bytes", line, len(out))
		}
		// What was accepted must read back the same as the canonical form.
		canon := formatLine(addr, out, width, binary.BigEndian, 8, "  ", true)
		_, again, err := format.ParseLine([]byte(canon), nil)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("accepted %q but not its canonical form %q", line, canon)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	var text []byte
	for off := 0; off < len(data); off += 16 {
		text = append(text, formatLine(uint64(0x40000000+off), data[off:off+16], 4, binary.LittleEndian, 8, "  ", true)...)
		text = append(text, '\r', '\n')
	}
	b.SetBytes(int64(len(text)))
	out := make([]byte, 0, len(data))
	for b.Loop() {
		d := NewDecoder(Format{Width: 4, Order: binary.LittleEndian}, 0x40000000, len(data))
		out = out[:0]
		rest := text
		for len(rest) > 0 {
			i := bytes.IndexByte(rest, '\n')
			var err error
			if out, err = d.Line(rest[:i], out); err != nil {
				b.Fatal(err)
			}
			rest = rest[i+1:]
		}
	}
}

package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/bootdump/bootdump/hexdump"
)

func TestLines(t *testing.T) {
	raw := "boot\r\n\x1b[1;31mred\x1b[0m text\n\rabX\bc\r\r\n\x1b]0;title\x07tab\there\x03\rlast"
	want := []string{"boot", "red text", "abc", "tab here", "last"}
	if got := Lines([]byte(raw)); !slices.Equal(got, want) {
		t.Fatalf("Lines = %q, want %q", got, want)
	}
}

var uboot = []Format{
	{Group: "le", Parser: hexdump.Format{Width: 4, Order: binary.LittleEndian}},
	{Group: "le", Parser: hexdump.Format{Width: 1, Order: binary.LittleEndian}},
}

func TestParseOverlapsAndGaps(t *testing.T) {
	log := "=> md.b 1000 40\n" +
		"00001000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................\n" +
		"00001010: 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f  ................\n" +
		"00001020: 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f   !\"#$%&'()*+,-./\n" +
		"00001040: 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f  @ABCDEFGHIJKLMNO\n" +
		"00001050: 50 51 52 53 54 55 56 57 58 59 5a 5b 5c 5d 5e 5f  PQRSTUVWXYZ[\\]^_\n" +
		// the first line again, disagreeing in one byte
		"=> md.l 1000 4\n" +
		"00001000: 03020100 07060504 0b0a0908 0f0e0dff  ................\n" +
		"00001010: 13121110 17161514 1b1a1918 1f1e1d1c  ................\n"
	res, err := Parse([]byte(log), uboot)
	if err != nil {
		t.Fatal(err)
	}
	if res.Addr != 0x1000 || len(res.Data) != 0x60 || res.Accepted != 7 || len(res.Rejected) != 0 {
		t.Fatalf("%#x %d bytes, %d accepted, rejected %v", res.Addr, len(res.Data), res.Accepted, res.Rejected)
	}
	if len(res.Gaps) != 1 || res.Gaps[0].Addr != 0x1030 || res.Gaps[0].Size != 16 {
		t.Fatalf("gaps %v", res.Gaps)
	}
	if len(res.Disagree) != 1 || res.Disagree[0].Addr != 0x100c || res.Disagree[0].Size != 1 {
		t.Fatalf("disagreements %v", res.Disagree)
	}
	if !bytes.Equal(res.Data[0x10:0x20], []byte{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}) {
		t.Fatalf("data % x", res.Data[0x10:0x20])
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("00001000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................\n00001010: 03020100 07060504 0b0a0908 0f0e0d0c  ................\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := Parse(raw, uboot)
		if err != nil {
			return
		}
		var missing uint64
		for _, g := range append(res.Gaps, res.Disagree...) {
			missing += g.Size
		}
		if missing >= uint64(len(res.Data)) || res.Accepted == 0 {
			t.Fatalf("%d of %d bytes missing with %d lines accepted", missing, len(res.Data), res.Accepted)
		}
	})
}

// BenchmarkParse reads a 4 MiB dump's log (md.l lines, CR LF) and reports
// the rate in bytes of text.
func BenchmarkParse(b *testing.B) {
	var log bytes.Buffer
	line := make([]byte, 16)
	for addr := 0x04000000; addr < 0x04000000+4<<20; addr += 16 {
		for i := range line {
			line[i] = byte(addr*7 + i*13)
		}
		fmt.Fprintf(&log, "%08x:", addr)
		for i := 0; i < 16; i += 4 {
			fmt.Fprintf(&log, " %08x", binary.LittleEndian.Uint32(line[i:]))
		}
		log.WriteString("  ")
		for _, c := range line {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			log.WriteByte(c)
		}
		log.WriteString("\r\n")
	}
	b.SetBytes(int64(log.Len()))
	for b.Loop() {
		res, err := Parse(log.Bytes(), uboot)
		if err != nil || len(res.Data) != 4<<20 || len(res.Gaps) != 0 {
			b.Fatalf("%v", err)
		}
	}
}

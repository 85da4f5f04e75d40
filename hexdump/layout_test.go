package hexdump

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// Lines as formats.md gives them, from the bootloaders' sources.
func TestLayouts(t *testing.T) {
	seq := []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	cases := []struct {
		name   string
		parser lineParser
		line   string
		addr   uint64
		want   []byte
	}{
		{"winbond", Winbond(4), "[7F0E0000] 2D726F6D 3166732D - 000C3B90 8E7D2E41  -rom1fs-..;..}.A",
			0x7f0e0000, []byte("-rom1fs-\x00\x0c\x3b\x90\x8e\x7d\x2e\x41")},
		{"winbond bytes", Winbond(1), "[00001000] 00 11 22 33 44 55 66 77 - 88 99 AA BB CC DD EE FF  ..\"3DUfw........", 0x1000, seq},
		{"cfe dm", CFE(1, binary.BigEndian), "b8020000: 36 00 00 00 42 72 6f 61 64 63 6f 6d 20 43 6f 72    6...Broadcom Cor",
			0xb8020000, []byte("6\x00\x00\x00Broadcom Cor")},
		{"cfe d -w", CFE(4, binary.BigEndian), "B8020000: 36000000 42726F61 64636F6D 20436F72  6...Broadcom Cor",
			0xb8020000, []byte("6\x00\x00\x00Broadcom Cor")},
		{"redboot", RedBoot(1, binary.LittleEndian), "80000000: 00 11 22 33 44 55 66 77  88 99 AA BB CC DD EE FF  |..\"3DUfw........|", 0x80000000, seq},
		{"redboot -4", RedBoot(4, binary.LittleEndian), "80000000: 33221100 77665544 BBAA9988 FFEEDDCC ", 0x80000000, seq},
		{"barebox -l", Barebox(4, binary.LittleEndian), "80000000: 33221100 77665544 bbaa9988 ffeeddcc                ..\"3DUfw........", 0x80000000, seq},
		{"barebox -b", Barebox(1, binary.LittleEndian), "80000000: 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff    ..\"3DUfw........", 0x80000000, seq},
		{"barebox short", Barebox(2, binary.LittleEndian), "80000000: 1100 3322                                  ..\"3", 0x80000000, seq[:4]},
	}
	for _, c := range cases {
		addr, got, err := c.parser.ParseLine([]byte(c.line), nil)
		if err != nil || addr != c.addr || !bytes.Equal(got, c.want) {
			t.Errorf("%s: %#x % x %v, want %#x % x", c.name, addr, got, err, c.addr, c.want)
		}
	}
	bad := []struct {
		name   string
		parser lineParser
		line   string
	}{
		{"winbond ascii", Winbond(4), "[7F0E0000] 2D726F6D 3166732D - 000C3B90 8E7D2E41  -rom1fs-..;..}.B"},
		{"winbond digit", Winbond(4), "[7F0E0000] 2D726F6D 3166732D - 000C3B9 8E7D2E41  -rom1fs-..;..}.A"},
		{"cfe garbage", CFE(1, binary.BigEndian), "b8020000: 36 00 00 00 42 72 6f 61 64 63 6f 6d 20 43 6f 7x    6...Broadcom Cor"},
		{"redboot bars", RedBoot(1, binary.LittleEndian), "80000000: 00 11 22 33 44 55 66 77  88 99 AA BB CC DD EE FF  .\"3DUfw........."},
		{"redboot short -4", RedBoot(4, binary.LittleEndian), "80000000: 33221100 77665544"},
	}
	for _, c := range bad {
		if _, _, err := c.parser.ParseLine([]byte(c.line), nil); err == nil {
			t.Errorf("%s: %q accepted", c.name, c.line)
		}
	}
}

func TestPattern(t *testing.T) {
	p, err := NewPattern(`^\[(?P<address>[0-9A-F]{8})\] (?P<data>[0-9A-F -]+?)  (?P<ascii>.{16})$`, 4, binary.BigEndian)
	if err != nil {
		t.Fatal(err)
	}
	p.ASCII = WinbondASCII
	addr, got, err := p.ParseLine([]byte("[7F0E0000] 2D726F6D 3166732D - 000C3B90 8E7D2E41  -rom1fs-..;..}.A"), nil)
	if err != nil || addr != 0x7f0e0000 || !bytes.Equal(got, []byte("-rom1fs-\x00\x0c\x3b\x90\x8e\x7d\x2e\x41")) {
		t.Fatalf("%#x % x %v", addr, got, err)
	}
	if _, _, err := p.ParseLine([]byte("[7F0E0000] 2D726F6D 3166732D - 000C3B90 8E7D2E41  -rom1fs-..;..}.X"), nil); err == nil {
		t.Fatal("a wrong ASCII column was accepted")
	}
	if _, err := NewPattern(`(?P<addr>.*)`, 4, binary.BigEndian); err == nil {
		t.Fatal("a pattern without its groups was accepted")
	}
}

func FuzzLayout(f *testing.F) {
	f.Add([]byte("[7F0E0000] 2D726F6D 3166732D - 000C3B90 8E7D2E41  -rom1fs-..;..}.A"), uint8(2), uint8(0))
	f.Add([]byte("80000000: 00 11 22 33 44 55 66 77  88 99 AA BB CC DD EE FF  |.\"3DUfw.........|"), uint8(0), uint8(2))
	f.Add([]byte("b8020000: 36 00 00 00 42 72 6f 61 64 63 6f 6d 20 43 6f 72    6...Broadcom Cor"), uint8(0), uint8(1))
	f.Add([]byte("80000000: 33221100 77665544 bbaa9988 ffeeddcc                ..\"3DUfw........"), uint8(2), uint8(3))
	f.Fuzz(func(t *testing.T, line []byte, w, kind uint8) {
		width := []int{1, 2, 4, 8}[w%4]
		var l Layout
		switch kind % 4 {
		case 0:
			l = Winbond(width)
		case 1:
			l = CFE(width, binary.BigEndian)
		case 2:
			l = RedBoot(width, binary.LittleEndian)
		default:
			l = Barebox(width, binary.LittleEndian)
		}
		_, out, err := l.ParseLine(line, nil)
		if err == nil && (len(out) == 0 || len(out) > BytesPerLine || len(out)%width != 0) {
			t.Fatalf("%q gave %d bytes", line, len(out))
		}
	})
}

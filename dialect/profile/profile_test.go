package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Checksum answers in the spellings consoles print them.
func TestParseNumberSpellings(t *testing.T) {
	for _, c := range []struct {
		text string
		hex  bool
		want uint32
		ok   bool
	}{
		{"1a2b3c4d", true, 0x1a2b3c4d, true}, // U-Boot's crc32: "... ==> 1a2b3c4d"
		{"0x1A2B3C4D", false, 0x1a2b3c4d, true},
		{"0X1a2b", true, 0x1a2b, true},
		{"$1A2B", true, 0x1a2b, true},
		{"#1a2b", true, 0x1a2b, true},
		{"1A2Bh", true, 0x1a2b, true},
		{"12345678", true, 0x12345678, true},
		{"12345678", false, 12345678, true}, // decimal where the console is
		{"1a2b", false, 0, false},
		{"123456789", true, 0, false}, // more than 32 bits
	} {
		got, ok := parseNumber(c.text, c.hex)
		if got != c.want || ok != c.ok {
			t.Errorf("parseNumber(%q, hex %v) = %#x, %v; want %#x, %v", c.text, c.hex, got, ok, c.want, c.ok)
		}
	}
}

// Open Firmware's " ok": at the end of the last line, or a line of its own.
func TestWithoutAck(t *testing.T) {
	p := &Profile{Ack: " ok"}
	for _, c := range []struct {
		line, want string
		acked      bool
	}{
		{"fff00010: 00 01  ................ ok", "fff00010: 00 01  ................", true},
		{" ok", "", true},
		{"ok  ", "", true},
		{"3  ok", "3 ", true},
		{"fff00000  60 00", "fff00000  60 00", false},
	} {
		got, acked := p.withoutAck([]byte(c.line))
		if string(got) != c.want || acked != c.acked {
			t.Errorf("withoutAck(%q) = %q, %v; want %q, %v", c.line, got, acked, c.want, c.acked)
		}
	}
	if got, acked := (&Profile{}).withoutAck([]byte("x ok")); acked || string(got) != "x ok" {
		t.Errorf("a profile without ack cut %q", got)
	}
}

func load(t *testing.T, text string) (*Profile, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(path)
}

const minimal = `name = "x"
[dump]
command = "md.b {addr} {len}"
line = '^(?P<address>[0-9a-f]+): (?P<data>.*)$'
`

// The settings of 64-bit boards, hex sums, rate switches and acks load;
// a rate command without its rates, or addresses of another width, do
// not.
func TestLoadNewSettings(t *testing.T) {
	p, err := load(t, strings.Replace(minimal, "[dump]", "addr_bits = 64\nack = \" ok\"\n[dump]", 1)+`
[checksum]
command = "crc32 {addr} {len}"
algorithm = "crc32"
result = '==> (?P<sum>[0-9a-f]+)$'
hex = true
[baud]
command = "B {baud}"
rates = [115200, 460800]
`)
	if err != nil {
		t.Fatal(err)
	}
	if p.AddrBits != 64 || p.Ack != " ok" || !p.Checksum.Hex || p.Baud == nil || len(p.Baud.Rates) != 2 {
		t.Fatalf("loaded %+v", p)
	}
	if sum, ok := p.Checksum.parseSum("crc32 for 04000000 ... 04000fff ==> 1a2b3c4d"); !ok || sum != 0x1a2b3c4d {
		t.Fatalf("U-Boot's crc32 answer read as %#x, %v", sum, ok)
	}
	for _, bad := range []struct{ extra, says string }{
		{"addr_bits = 48\n", "32 or 64"},
		{"[baud]\ncommand = \"B\"\nrates = [9600]\n", "{baud}"},
		{"[baud]\ncommand = \"B {baud}\"\n", "list the rates"},
		{"[checksum]\ncommand = \"sum {addr} {len}\"\nalgorithm = \"md5\"\nresult = '(?P<sum>.*)'\n", "crc32, djb2, posix-cksum"},
	} {
		_, err := load(t, strings.Replace(minimal, "[dump]", bad.extra+"[dump]", 1))
		if bad.extra[0] == '[' {
			_, err = load(t, minimal+bad.extra)
		}
		if err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%q: %v; want an error that says %q", bad.extra, err, bad.says)
		}
	}
}

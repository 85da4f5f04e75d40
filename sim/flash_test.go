package sim

import (
	"bufio"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"
)

// NAND reads step over bad blocks as U-Boot's do: nand read says so, mtd
// read does not; the data comes from the next good block.
func TestNANDReadsSkipBadBlocks(t *testing.T) {
	nand := make([]byte, 1<<20)
	for i := range nand {
		nand[i] = byte(i / 4096)
	}
	port, err := Pipe(Config{Image: make([]byte, 64), BootDelay: -1,
		Flash: []FlashDevice{{Kind: "nand", Image: nand, BadBlocks: []int64{0x20000}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	r := bufio.NewReader(port)
	cmd := func(line string) string {
		if line != "" {
			io.WriteString(port, line+"\r")
		}
		return readToPrompt(t, r)
	}
	cmd("") // the banner
	// Two blocks from 0x20000: the bad one is skipped, so 0x40000..0x80000.
	want := fmt.Sprintf("==> %08x", crc32.ChecksumIEEE(nand[0x40000:0x80000]))
	out := cmd("nand read 0x40000000 0x20000 0x40000")
	if !strings.Contains(out, "Skipping bad block 0x00020000") || !strings.Contains(out, " 262144 bytes read: OK") {
		t.Fatalf("nand read: %q", out)
	}
	if got := cmd("crc32 0x40000000 0x40000"); !strings.Contains(got, want) {
		t.Fatalf("after nand read: %q, want %s", got, want)
	}
	out = cmd("mtd read nand0 0x41000000 0x20000 0x40000")
	if strings.Contains(out, "Skipping") || !strings.Contains(out, "Reading 262144 byte(s) at offset 0x00020000") {
		t.Fatalf("mtd read: %q", out)
	}
	if got := cmd("crc32 0x41000000 0x40000"); !strings.Contains(got, want) {
		t.Fatalf("after mtd read: %q, want %s", got, want)
	}
	if out := cmd("nand bad"); !strings.Contains(out, "Device 0 bad blocks:\r\n  00020000\r\n") {
		t.Fatalf("nand bad: %q", out)
	}
}

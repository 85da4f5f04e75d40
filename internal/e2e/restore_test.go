package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/internal/qemutest"
	"github.com/bootdump/bootdump/sim"
)

type restoreResult struct {
	Blocks, Changed, Written, Unchanged int
	Commands                            []string
}

func restoreRun(t *testing.T, args ...string) (restoreResult, string, int) {
	t.Helper()
	stdout, stderr, code := run(t, append(append([]string{"restore"}, args...), "--json")...)
	var r restoreResult
	if code == 0 {
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("restore --json printed %q: %v", stdout, err)
		}
	}
	return r, stderr, code
}

// TestRestoreNOR writes a 1 MiB image into the simulated board's NOR flash
// (its first sectors protected, as QEMU's are, and protected again once
// written): the dry run prints the exact commands and writes nothing; without --yes on a non-terminal it
// refuses; with it, every block is written and verified; a second run
// writes nothing; one changed block is the one block written.
func TestRestoreNOR(t *testing.T) {
	flash := randomBytes(4<<20, 61)
	board := ptyBoard(t, sim.Config{Image: flash, ProtectFirst: 0x40000})
	dir := t.TempDir()
	img := randomBytes(1<<20, 62)
	path := writeFile(t, filepath.Join(dir, "backup.bin"), img)
	before := bytes.Clone(flash)

	r, stderr, code := restoreRun(t, "-p", board.Path, path, "--addr", "0x04000000", "--dry-run")
	if code != 0 || r.Changed != 8 || r.Blocks != 8 {
		t.Fatalf("dry run: exit %d, %+v: %s", code, r, stderr)
	}
	want := []string{"loady 0x40200000", "crc32 0x40200000 0x100000",
		"protect off 0x4000000 +0x20000", "erase 0x4000000 +0x20000", "cp.b 0x40200000 0x4000000 0x20000", "protect on 0x4000000 +0x20000", "crc32 0x4000000 0x20000"}
	for i, c := range want {
		if r.Commands[i] != c || !strings.Contains(stderr, "\n  "+c+"\n") {
			t.Fatalf("dry run command %d: %q, want %q:\n%s", i, r.Commands[i], c, stderr)
		}
	}
	if len(r.Commands) != 2+8*4+2 || r.Commands[len(r.Commands)-1] != "crc32 0x40e0000 0x20000" { // the 2 protected sectors protected again
		t.Fatalf("dry run: %d commands, last %q", len(r.Commands), r.Commands[len(r.Commands)-1])
	}
	_, stderr, code = run(t, "restore", "-p", board.Path, path, "--addr", "0x04000000")
	if code != 1 || !strings.Contains(stderr, "standard input is not a terminal; give --yes") {
		t.Fatalf("without --yes: exit %d: %s", code, stderr)
	}
	flashHolds(t, board.Path, "mem", 0x04000000, before) // nothing written before a confirmation

	r, stderr, code = restoreRun(t, "-p", board.Path, path, "--addr", "0x04000000", "--yes")
	if code != 0 || r.Written != 8 {
		t.Fatalf("restore: exit %d, %+v: %s", code, r, stderr)
	}
	flashHolds(t, board.Path, "mem", 0x04000000, append(bytes.Clone(img), before[1<<20:]...))
	// The same again writes nothing; one changed block is all that is written.
	if r, stderr, code = restoreRun(t, "-p", board.Path, path, "--addr", "0x04000000", "--yes"); code != 0 || r.Written != 0 || r.Unchanged != 8 {
		t.Fatalf("second restore: exit %d, %+v: %s", code, r, stderr)
	}
	img[0x61234] ^= 0x5a
	writeFile(t, path, img)
	if r, stderr, code = restoreRun(t, "-p", board.Path, path, "--addr", "0x04000000", "--yes"); code != 0 || r.Written != 1 || r.Changed != 1 {
		t.Fatalf("one changed block: exit %d, %+v: %s", code, r, stderr)
	}
	sameDump(t, board.Path, img)
}

// sameDump dumps the image's range back and compares.
func sameDump(t *testing.T, port string, img []byte) {
	t.Helper()
	flashHolds(t, port, "mem", 0x04000000, img)
}

// flashHolds dumps len(want) bytes at addr of source through bootdump and
// compares them with want. The test reads the simulated flash only this
// way: the board's memory belongs to the board's goroutine.
func flashHolds(t *testing.T, port, source string, addr uint64, want []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "back.bin")
	dumpOK(t, want, "-p", port, "--source", source, "--addr", fmt.Sprintf("%#x", addr), "--size", fmt.Sprint(len(want)), "-o", out)
}

// TestRestoreRefusals: a damaged image, a range past the flash, an image
// that cuts an erase block, a flash the tool or the board lacks; each one
// sentence, and the flash unchanged.
func TestRestoreRefusals(t *testing.T) {
	flash := randomBytes(1<<20, 71)
	before := bytes.Clone(flash)
	board := ptyBoard(t, sim.Config{Image: flash})
	dir := t.TempDir()
	// A gzip stream whose CRC is wrong, in a 128 KiB block.
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(bytes.Repeat([]byte("kernel "), 5000))
	zw.Close()
	gz := z.Bytes()
	gz[len(gz)-6] ^= 0xff
	damaged := append(gz, bytes.Repeat([]byte{0xff}, 0x20000-len(gz))...)
	cases := []struct {
		name, file, addr, want string
		code                   int
	}{
		{"damaged", writeFile(t, filepath.Join(dir, "damaged.bin"), damaged), "0x04000000", "holds damaged parts: gzip at 0x0", 1},
		{"past the flash", writeFile(t, filepath.Join(dir, "big.bin"), randomBytes(0x40000, 1)), "0x040e0000", "run past the end of flash bank 1", 1},
		{"cuts a block", writeFile(t, filepath.Join(dir, "odd.bin"), randomBytes(0x30000, 2)), "0x04000000", "do not cover whole erase blocks", 1},
		{"outside", writeFile(t, filepath.Join(dir, "x.bin"), randomBytes(0x20000, 3)), "0x40000000", "is in no NOR flash bank", 1},
		{"empty", writeFile(t, filepath.Join(dir, "empty.bin"), nil), "0x04000000", "is empty", 1},
	}
	for _, c := range cases {
		_, stderr, code := run(t, "restore", "-p", board.Path, c.file, "--addr", c.addr, "--yes")
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Fatalf("%s: exit %d: %s", c.name, code, stderr)
		}
	}
	_, stderr, code := run(t, "restore", "-p", board.Path, cases[1].file, "--addr", "0x04000000", "--flash", "mmc", "--yes")
	if code != 2 {
		t.Fatalf("--flash mmc: exit %d: %s", code, stderr)
	}
	_, stderr, code = run(t, "restore", "-p", board.Path, cases[1].file, "--addr", "0", "--flash", "nand", "--yes")
	if code != 1 || !strings.Contains(stderr, "nand is not in this U-Boot build") {
		t.Fatalf("--flash nand on a board without NAND: exit %d: %s", code, stderr)
	}
	flashHolds(t, board.Path, "mem", 0x04000000, before) // a refused restore changes nothing
	// --force writes the damaged image anyway.
	if _, stderr, code := run(t, "restore", "-p", board.Path, cases[0].file, "--addr", "0x04000000", "--yes", "--force"); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	flashHolds(t, board.Path, "mem", 0x04000000, damaged)
}

// TestRestoreResumesAfterCut: the line is cut just after the third block
// is programmed, before it is verified; the same command again writes
// exactly the blocks still different, and the flash ends right.
func TestRestoreResumesAfterCut(t *testing.T) {
	flash := randomBytes(2<<20, 81)
	port := tcpBoard(t, sim.Config{Image: flash, BootDelay: -1})
	img := randomBytes(1<<20, 82)
	path := writeFile(t, filepath.Join(t.TempDir(), "backup.bin"), img)
	relay := cuttingRelay(t, strings.TrimPrefix(port, "tcp://"), "Copy to Flash... done", 3)
	_, stderr, code := run(t, "restore", "-p", relay, path, "--addr", "0x04000000", "--yes", "--reconnect-timeout", "1s")
	if code != 1 {
		t.Fatalf("cut restore: exit %d: %s", code, stderr)
	}
	partial := filepath.Join(t.TempDir(), "partial.bin")
	if _, stderr, code := run(t, "dump", "-p", port, "--addr", "0x04000000", "--size", "1M", "-o", partial); code != 0 {
		t.Fatalf("dump after the cut: exit %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(partial); bytes.Equal(got, img) {
		t.Fatal("the cut came too late: every block was written")
	}
	r, stderr, code := restoreRun(t, "-p", port, path, "--addr", "0x04000000", "--yes")
	if code != 0 || r.Written != 5 || r.Unchanged != 3 {
		t.Fatalf("resumed restore: exit %d, %+v: %s", code, r, stderr)
	}
	flashHolds(t, port, "mem", 0x04000000, img)
}

// cuttingRelay is a relay that cuts the connection after the device has
// printed marker n times.
func cuttingRelay(t *testing.T, target, marker string, n int) string {
	seen := 0
	var tail []byte // the end of what came, where a marker may begin
	return relay(t, target, func(b []byte) ([]byte, bool) {
		text := append(tail, b...)
		seen += bytes.Count(text, []byte(marker))
		tail = bytes.Clone(text[max(0, len(text)-len(marker)+1):])
		return b, seen >= n
	})
}

// TestRealUBootLoady uploads 1 MiB (ending in 0x1A bytes, which XMODEM
// would lose) into real U-Boot's RAM with its loady and bootdump's YMODEM
// sender; U-Boot's crc32 of the RAM is the file's. Writing flash on QEMU:
// TestRealUBootRestore.
func TestRealUBootLoady(t *testing.T) {
	board := qemutest.Start(t, nil)
	ctx := context.Background()
	dev, err := backup.Connect(ctx, backup.Connection{Port: board.Port, Dialect: "uboot"}, dialect.Options{Addr: 0x40000000, Size: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close(ctx)
	sess := dev.Session.(dialect.Programmer)
	data := append(randomBytes(1<<20-3, 93), 0x1a, 0x1a, 0x1a)
	if err := sess.Upload(ctx, 0x40000000, data, nil); err != nil {
		t.Fatal(err)
	}
	sum, err := sess.Checksum(ctx, 0x40000000, 1<<20)
	if err != nil || sum != crc32.ChecksumIEEE(data) {
		t.Fatalf("crc32 of the upload in RAM: %08x %v, want %08x", sum, err, crc32.ChecksumIEEE(data))
	}
}

// TestRestoreSPIAndNAND writes images to the simulator's SPI NOR and NAND
// flash: every erase block erased, programmed and read back through the
// RAM window to be checked; a NAND bad block is left alone; a second run
// writes nothing.
func TestRestoreSPIAndNAND(t *testing.T) {
	spi := randomBytes(4<<20, 101)
	nand := randomBytes(8<<20, 102)
	board := ptyBoard(t, sim.Config{Image: randomBytes(1<<20, 103), Flash: []sim.FlashDevice{
		{Kind: "sf", Image: spi}, {Kind: "nand", Image: nand, BadBlocks: []int64{0x40000}},
	}})
	dir := t.TempDir()

	spiImg := randomBytes(512<<10, 104)
	copy(spiImg[0x30000:0x40000], bytes.Repeat([]byte{0xff}, 0x10000)) // an erased block: erase, no write
	spiPath := writeFile(t, filepath.Join(dir, "spi.bin"), spiImg)
	r, stderr, code := restoreRun(t, "-p", board.Path, spiPath, "--flash", "sf", "--addr", "0x10000", "--dry-run")
	if code != 0 || r.Changed != 8 || r.Commands[2] != "sf erase 0x10000 0x10000" || !strings.HasPrefix(r.Commands[3], "sf write ") ||
		!strings.HasPrefix(r.Commands[4], "sf read ") || !strings.HasPrefix(r.Commands[5], "crc32 ") {
		t.Fatalf("sf dry run: exit %d, %+v: %s", code, r, stderr)
	}
	if r, stderr, code = restoreRun(t, "-p", board.Path, spiPath, "--flash", "sf", "--addr", "0x10000", "--yes"); code != 0 || r.Written != 8 {
		t.Fatalf("sf restore: exit %d, %+v: %s", code, r, stderr)
	}
	flashHolds(t, board.Path, "sf", 0x10000, spiImg)
	if r, stderr, code = restoreRun(t, "-p", board.Path, spiPath, "--flash", "sf", "--addr", "0x10000", "--yes"); code != 0 || r.Written != 0 {
		t.Fatalf("sf again: exit %d, %+v: %s", code, r, stderr)
	}

	nandImg := randomBytes(1<<20, 105)
	nandPath := writeFile(t, filepath.Join(dir, "nand.bin"), nandImg)
	r, stderr, code = restoreRun(t, "-p", board.Path, nandPath, "--flash", "nand", "--addr", "0", "--yes")
	if code != 0 || r.Written != 7 {
		t.Fatalf("nand restore: exit %d, %+v: %s", code, r, stderr)
	}
	// A dump holds 0xFF for the bad block, which restore did not write
	// (the simulator's nand write would have skipped to the next block).
	wantNAND := bytes.Clone(nandImg)
	copy(wantNAND[0x40000:0x60000], bytes.Repeat([]byte{0xff}, 0x20000))
	flashHolds(t, board.Path, "nand", 0, wantNAND)
	if r, stderr, code = restoreRun(t, "-p", board.Path, nandPath, "--flash", "nand", "--addr", "0", "--yes"); code != 0 || r.Written != 0 {
		t.Fatalf("nand again: exit %d, %+v: %s", code, r, stderr)
	}
	// A range that cuts an erase block, or runs past the flash.
	if _, stderr, code = run(t, "restore", "-p", board.Path, nandPath, "--flash", "nand", "--addr", "0x1000", "--yes"); code != 1 || !strings.Contains(stderr, "do not cover whole") {
		t.Fatalf("cut block: exit %d: %s", code, stderr)
	}
	if _, stderr, code = run(t, "restore", "-p", board.Path, spiPath, "--flash", "sf", "--addr", "0x3f0000", "--yes"); code != 1 || !strings.Contains(stderr, "run past the end") {
		t.Fatalf("past the end: exit %d: %s", code, stderr)
	}
}

// TestRestoreWithoutLoader: on a U-Boot with no loader (no loady, loadb,
// loadx or loads), a restore of two changed blocks far apart plans and
// uses the binary reader's upload, put on the board with mw.l, and
// uploads those two blocks alone, each cut after its last byte that is
// not 0xFF; the flash then holds exactly the image.
func TestRestoreWithoutLoader(t *testing.T) {
	flash := randomBytes(4<<20, 63)
	board := ptyBoard(t, sim.Config{Image: flash, Lacks: []string{"loady", "loadb", "loadx", "loads"}})
	img := bytes.Clone(flash[:1<<20])
	for i := 0x20000; i < 0x40000; i++ { // block 1, all of it
		img[i] ^= 0x5a
	}
	for i := 0xc0000; i < 0xe0000; i++ { // block 6: 0x100 bytes of data, then erased
		img[i] = 0xff
		if i < 0xc0100 {
			img[i] = byte(i) & 0x7f
		}
	}
	path := writeFile(t, filepath.Join(t.TempDir(), "backup.bin"), img)
	var plan struct {
		Changed     int      `json:"changed"`
		Commands    []string `json:"commands"`
		UploadWay   string   `json:"upload_way"`
		UploadBytes uint64   `json:"upload_bytes"`
	}
	stdout, stderr, code := run(t, "restore", "-p", board.Path, path, "--addr", "0x04000000", "--dry-run", "--json")
	if code != 0 || json.Unmarshal([]byte(stdout), &plan) != nil {
		t.Fatalf("dry run: exit %d, %s: %s", code, stdout, stderr)
	}
	if plan.Changed != 2 || plan.UploadWay != "binary reader" || plan.UploadBytes != 0x20000+0x100 || !strings.Contains(stderr, "upload: 128.2 KiB in 2 parts by binary reader") {
		t.Fatalf("plan %+v: want the 2 blocks, 0x20100 bytes, by the binary reader:\n%s", plan, stderr)
	}
	r, stderr, code := restoreRun(t, "-p", board.Path, path, "--addr", "0x04000000", "--yes", "-v")
	if code != 0 || r.Written != 2 || !strings.Contains(stderr, "putting the binary reader on it") || strings.Count(stderr, "with the binary reader\n") != 2 {
		t.Fatalf("restore: exit %d, %+v; want both uploads by the reader, as planned: %s", code, r, stderr)
	}
	flashHolds(t, board.Path, "mem", 0x04000000, img)
}

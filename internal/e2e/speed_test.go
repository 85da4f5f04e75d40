package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// routerImage lays out size bytes like a router's flash: data where a
// bootloader, kernel and root file system would be, an all-zero block, and
// erased (0xff) flash elsewhere. It returns which 64 KiB chunks hold data.
func routerImage(size int, seed uint64) (img []byte, data map[int]bool) {
	img = bytes.Repeat([]byte{0xff}, size)
	data = map[int]bool{}
	put := func(off, n int) {
		copy(img[off:], randomBytes(n, seed+uint64(off)))
		for c := off / (64 << 10); c*(64<<10) < off+n; c++ {
			data[c] = true
		}
	}
	put(0, 192<<10)                          // bootloader
	put(size/8, size/4)                      // kernel
	put(size/2, size/8)                      // root file system
	put(size-(64<<10)+100, 1)                // one byte in the last chunk: not erased
	clear(img[size/4*3 : size/4*3+(64<<10)]) // an all-zero block
	return img, data
}

func TestErasedChunksAreConfirmedNotDumped(t *testing.T) {
	const size = 2 << 20
	img, data := routerImage(size, 11)
	board := ptyBoard(t, sim.Config{Image: img})
	out := filepath.Join(t.TempDir(), "router.bin")
	r, _ := dumpOK(t, img, "-p", board.Path, "--addr", "0x04000000", "--size", "2M", "-o", out)
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil {
		t.Fatal(err)
	}
	// A chunk that holds data is read in 4 KiB pieces when some of them
	// are erased (the last chunk: one byte of data): those are confirmed.
	for _, c := range rec.Chunks {
		piece := img[c.Offset : c.Offset+uint64(c.Size)]
		want := dump.VerifiedCRC32
		if !data[int(c.Offset/(64<<10))] || bytes.Count(piece, piece[:1]) == len(piece) && (piece[0] == 0xff || piece[0] == 0) {
			want = dump.VerifiedErased
		}
		if c.Verified != want {
			t.Errorf("chunk at %#x (%d bytes) verified as %q, want %q", c.Offset, c.Size, c.Verified, want)
		}
	}
	if r.Chunks != 31+16 || r.ChunksErased+r.ChunksDumped != r.Chunks || r.ChunksErased < 10 {
		t.Fatalf("result %+v: want 31 chunks and the last one's 16 pieces", r)
	}
}

func TestBaseCopiesUnchangedChunks(t *testing.T) {
	const size = 1 << 20
	old := randomBytes(size, 12)
	dir := t.TempDir()
	oldPath := filepath.Join(dir, "old.bin")
	if err := os.WriteFile(oldPath, old, 0o644); err != nil {
		t.Fatal(err)
	}
	img := bytes.Clone(old)
	img[5<<16+1234] ^= 0xff // one chunk changed since
	board := ptyBoard(t, sim.Config{Image: img})
	out := filepath.Join(dir, "new.bin")
	r, _ := dumpOK(t, img, "-p", board.Path, "--addr", "0x04000000", "--size", "1M", "-o", out, "--base", oldPath)
	// The changed chunk is checked in 16 pieces: the one that changed is
	// dumped, the other 15 copied too.
	if r.ChunksDumped != 1 || r.ChunksFromBase != 15+15 {
		t.Fatalf("dumped %d chunks and copied %d; want 1 and 15 chunks and 15 pieces", r.ChunksDumped, r.ChunksFromBase)
	}
	rec, _ := dump.ReadRecord(dump.RecordPath(out))
	if rec.Base != oldPath || rec.Chunks[5].Verified != dump.VerifiedCRC32 || rec.Chunks[5].Offset != 5<<16 || rec.Chunks[5].Size != 4<<10 {
		t.Fatalf("record base %q, chunk 5 %+v: want the changed 4 KiB piece dumped", rec.Base, rec.Chunks[5])
	}
}

func TestVerifyCommand(t *testing.T) {
	img := randomBytes(1<<20, 13)
	board := ptyBoard(t, sim.Config{Image: img})
	dir := t.TempDir()
	same, changed := filepath.Join(dir, "same.bin"), filepath.Join(dir, "changed.bin")
	os.WriteFile(same, img, 0o644)
	img2 := bytes.Clone(img)
	img2[0x54321] ^= 1
	os.WriteFile(changed, img2, 0o644)

	stdout, stderr, code := run(t, "verify", "-p", board.Path, "--addr", "0x04000000", same)
	if code != 0 || !strings.Contains(stdout, "identical") {
		t.Fatalf("identical image: exit %d: %s%s", code, stdout, stderr)
	}
	stdout, stderr, code = run(t, "verify", "-p", board.Path, "--addr", "0x04000000", changed)
	if code != 1 || !strings.Contains(stdout, "differs: 0x4054321 (1 byte)") {
		t.Fatalf("changed image: exit %d: %s%s", code, stdout, stderr)
	}
}

func TestFastBaud(t *testing.T) {
	img := randomBytes(64<<10, 14)
	board := ptyBoard(t, sim.Config{Image: img, Baud: 115200})
	dir := t.TempDir()
	out := filepath.Join(dir, "fast.bin")
	if r, _ := dumpOK(t, img, "-p", board.Path, "--addr", "0x04000000", "--size", "64K", "-o", out,
		"--fast-baud", "921600"); r.Baud != 921600 {
		t.Fatalf("dumped at %d baud, want 921600", r.Baud)
	}
	// The board is back at 115200: a plain session there works.
	if _, stderr, code := run(t, "verify", "-p", board.Path, "--addr", "0x04000000", out); code != 0 {
		t.Fatalf("after --fast-baud the board does not answer at 115200: %s", stderr)
	}
}

// TestFastBaudRefused: where U-Boot's table refuses the rate and no
// program may go on the board (--reader md), the dump stays at the rate it
// found, and says why once.
func TestFastBaudRefused(t *testing.T) {
	img := randomBytes(16<<10, 15)
	board := ptyBoard(t, sim.Config{Image: img, Baud: 115200, BaudRates: []int{9600, 115200}})
	out := filepath.Join(t.TempDir(), "slow.bin")
	r, stderr := dumpOK(t, img, "-p", board.Path, "--addr", "0x04000000", "--size", "16K", "-o", out,
		"--fast-baud", "921600", "--reader", "md")
	if n := strings.Count(stderr, "Baudrate 921600 bps not supported"); n != 1 || !strings.Contains(stderr, "not put on the board with --reader md") {
		t.Fatalf("the refusal is reported %d times, want once, with why the reader does not switch: %s", n, stderr)
	}
	if r.Baud != 115200 {
		t.Fatalf("dumped at %d baud, want 115200", r.Baud)
	}
}

// TestFastBaudByTheReader: U-Boot's table stops at 115200, so the binary
// reader sets the UART's divisor for 921600 itself: a PL011's (QEMU's
// virt board's, 24 MHz: 923077 baud, 0.16 % off) and a 16550's (14.7456
// MHz, divisor 8 to 1), each read back; the dump runs at 921600, and the
// board is back at 115200 afterwards (by the reader: U-Boot's own setenv
// would change nothing, as it believes it never left 115200).
func TestFastBaudByTheReader(t *testing.T) {
	img := randomBytes(256<<10, 16)
	for _, tc := range []struct {
		name     string
		cfg      sim.Config
		addr     string
		from, to string
		uart     string // how the log names the UART
		why      string // why the reader did it
	}{
		{"pl011@9000000", sim.Config{Console: "pl011@9000000", Baud: 115200, BaudRates: []int{9600, 115200}}, "0x04000000", "115200", "921600", "/pl011@9000000", "U-Boot's table has no 921600 baud"},
		{"serial@10000000", sim.Config{Console: "serial@10000000", Baud: 115200, BaudRates: []int{9600, 115200}}, "0x04000000", "115200", "921600", "/soc/serial@10000000", "U-Boot's table has no 921600 baud"},
		// MediaTek's SDK announces 115200 and stays at 57600; the UART
		// is found by the SoC's chip name and the UARTs' line control
		{"ralink-mt7628", sim.Config{Dialect: "ralink", Baud: 57600}, "0xbc000000", "57600", "115200", "the MT7628's UART Lite at 0x10000e00", "U-Boot's UART stayed at 57600 baud"},
		// the table refuses 921600; the AR9330's own UART, by its revision
		{"lsdk-ar9330", sim.Config{Dialect: "lsdk", Baud: 115200, BaudRates: []int{9600, 115200}, BigEndian: true}, "0x9f000000", "115200", "921600", "the AR933x's UART at 0x18020000", "U-Boot's table has no 921600 baud"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			cfg.Image, cfg.BootDelay = img, -1
			board := ptyBoard(t, cfg)
			out := filepath.Join(t.TempDir(), "fast.bin")
			size, n := "256K", 256<<10
			if cfg.Dialect == "ralink" { // no crc32: each chunk read twice
				size, n = "64K", 64<<10
			}
			r, stderr := dumpOK(t, img[:n], "-v", "-p", board.Path, "-b", tc.from, "--addr", tc.addr, "--size", size, "-o", out, "--fast-baud", tc.to)
			if strconv.Itoa(r.Baud) != tc.to || !strings.Contains(stderr, tc.why+": the binary reader set the UART's divisor for it") ||
				!strings.Contains(stderr, "the reader set "+tc.uart+"'s divisor") || !strings.Contains(stderr, "it reads back so") {
				t.Fatalf("dumped at %d baud; the log does not say the reader set %s's divisor and read it back:\n%s", r.Baud, tc.uart, stderr)
			}
			check := []string{"verify", "-p", board.Path, "-b", tc.from, "--addr", tc.addr, out}
			if cfg.Dialect == "ralink" { // no crc32 to verify with
				check = []string{"info", "-p", board.Path, "-b", tc.from}
			}
			if _, stderr, code := run(t, check...); code != 0 {
				t.Fatalf("after the dump the board does not answer at %s: %s", tc.from, stderr)
			}
		})
	}
}

// TestNoChecksumReadsTwice: a U-Boot without crc32 still gives a verified
// image: each chunk read twice, the readings compared.
func TestNoChecksumReadsTwice(t *testing.T) {
	img, _ := routerImage(1<<20, 16)
	board := ptyBoard(t, sim.Config{Image: img, NoCRC32: true})
	out := filepath.Join(t.TempDir(), "twice.bin")
	_, stderr := dumpOK(t, img, "-p", board.Path, "--addr", "0x04000000", "--size", "1M", "-o", out)
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Chunks {
		if c.Verified != dump.VerifiedTwice {
			t.Fatalf("chunk at %#x verified by %q, want %q", c.Offset, c.Verified, dump.VerifiedTwice)
		}
	}
	if rec.Device.Checksum != "" || !strings.Contains(stderr, "verified by reading twice") {
		t.Fatalf("checksum %q; summary: %s", rec.Device.Checksum, lastLine(stderr))
	}
}

// TestWrongBaudAdvice: a board at 57600 read at 115200 sends what is not
// text; the one sentence says the rate is probably wrong and to try -b
// auto, not a list that may hold the rate that failed.
func TestWrongBaudAdvice(t *testing.T) {
	fw := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), randomBytes(64<<10, 17))
	_, stderr, code := run(t, "dump", "-p", "sim:uboot?bootdelay=0&baud=57600&image="+fw, "-b", "115200", "--sync-timeout", "5s",
		"--addr", "0x04000000", "--size", "4K", "-o", filepath.Join(t.TempDir(), "x.bin"))
	if code != 1 || !strings.HasSuffix(strings.TrimSpace(stderr), "the baud rate is probably wrong; try -b auto, which listens at each common rate for the one that gives text") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

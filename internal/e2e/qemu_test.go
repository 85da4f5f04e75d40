package e2e

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/qemutest"
)

// TestRealUBoot dumps 2 MiB of the second CFI flash from U-Boot 2023.01
// under QEMU: random bytes with known patterns, every chunk verified by the
// board's crc32, the board caught during its autoboot countdown.
func TestRealUBoot(t *testing.T) {
	const size = 2 << 20
	img := randomBytes(size, 2023)
	copy(img, bytes.Repeat([]byte("bootdump reference flash image. "), 128))
	for i := range 256 {
		img[0x2000+i] = byte(i)
	}
	board := qemutest.Start(t, img)
	dir := t.TempDir()
	out, transcript := filepath.Join(dir, "nor1.bin"), filepath.Join(dir, "console.log")
	r, _ := dumpOK(t, img, "-p", board.Port, "--addr", "0x04000000", "--size", "2M",
		"-o", out, "--transcript", transcript, "--reader", "md")
	if r.Device.ByteOrder != "little" || r.Device.Command != "md.l" {
		t.Fatalf("device %+v, want little-endian md.l", r.Device)
	}
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil || rec.State != dump.StateComplete || len(rec.Chunks) != 32 {
		t.Fatalf("record %+v, %v", rec, err)
	}
	for _, c := range rec.Chunks {
		if c.Verified != dump.VerifiedCRC32 {
			t.Fatalf("chunk at %#x verified by %q, want crc32", c.Offset, c.Verified)
		}
	}
	if !strings.HasPrefix(rec.Device.Version, "U-Boot 2023.01") {
		t.Fatalf("version %q", rec.Device.Version)
	}
	log, err := os.ReadFile(transcript)
	if err != nil {
		t.Fatal(err)
	}
	// Caught in the countdown: U-Boot never started its boot command.
	if !bytes.Contains(log, []byte("Hit any key to stop autoboot")) {
		t.Fatalf("the transcript shows no autoboot countdown:\n%.2000s", log)
	}
	if bytes.Contains(log, []byte("starting USB")) || bytes.Contains(log, []byte("Command 'load' failed")) {
		t.Fatalf("autoboot was not stopped: U-Boot ran its boot command:\n%.3000s", log)
	}
	// An address in none of the memory U-Boot lists is refused before any
	// read, nothing left behind.
	bad := filepath.Join(dir, "unlisted.bin")
	_, stderr, code := run(t, "dump", "-p", board.Port, "--addr", "0x20000000", "--size", "64K", "-o", bad)
	if code != 1 || !strings.Contains(stderr, "0x20000000 + 0x10000 is in none of the memory the bootloader lists (RAM 0x40000000..0x4fffffff (bdinfo)") {
		t.Fatalf("an unlisted address: exit %d: %s", code, stderr)
	}
	if left, _ := filepath.Glob(bad + "*"); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// TestRealUBootSkipAndVerify backs up 32 MiB of flash holding 4 MiB of
// data and a 32-byte marker from real U-Boot: the erased chunks (and the
// erased 4 KiB pieces of the marker's chunk) are confirmed by crc32 and
// cmp.b instead of dumped, --fast-baud 921600 is refused by this U-Boot's
// table (it stops at 115200), so the binary reader sets the PL011's
// divisor itself, and the dump says so once and runs at 921600; then
// verify reports the image identical, and after one byte of the flash
// changes, reports that byte.
func TestRealUBootSkipAndVerify(t *testing.T) {
	const size = 32 << 20
	img := bytes.Repeat([]byte{0xff}, size)
	data := map[uint64]bool{}
	for _, span := range [][2]int{{0, 1 << 20}, {8 << 20, 2 << 20}, {20 << 20, 1 << 20}} {
		copy(img[span[0]:], randomBytes(span[1], uint64(span[0])+1))
		for off := span[0]; off < span[0]+span[1]; off += 64 << 10 {
			data[uint64(off)] = true
		}
	}
	// A 32-byte marker in erased flash: its chunk is checked in 16 pieces
	// of 4 KiB, and only the piece that holds it is dumped.
	const marker = 16<<20 + 40<<10
	copy(img[marker:], "bootdump marker: 32 bytes long!!")
	data[marker] = true
	board := qemutest.Start(t, img)
	out := filepath.Join(t.TempDir(), "nor1.bin")
	r, stderr := dumpOK(t, img, "-p", board.Port, "--addr", "0x04000000", "--size", "32M", "-o", out,
		"--fast-baud", "921600")
	if n := strings.Count(stderr, "the binary reader set the UART's divisor for it"); n != 1 {
		t.Fatalf("the reader's switch is reported %d times, want once:\n%s", n, stderr)
	}
	if r.Baud != 921600 || r.ChunksDumped != 65 || r.ChunksErased != 447+15 {
		t.Fatalf("result %+v: want 64 chunks and a 4 KiB piece dumped, 447 chunks and 15 pieces erased, at 921600", r)
	}
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Chunks {
		want := dump.VerifiedErased
		if data[c.Offset] {
			want = dump.VerifiedCRC32
		}
		if c.Verified != want {
			t.Fatalf("chunk at %#x verified as %q, want %q", c.Offset, c.Verified, want)
		}
		if c.Offset == marker && c.Size != 4<<10 {
			t.Fatalf("the marker was dumped in %d bytes, want its 4 KiB piece", c.Size)
		}
	}

	stdout, stderr, code := run(t, "verify", "-p", board.Port, "--addr", "0x04000000", out)
	if code != 0 || !strings.Contains(stdout, "identical") {
		t.Fatalf("verify of the backup: exit %d: %s%s", code, stdout, stderr)
	}

	img[0x1234567] ^= 0x01
	changed := qemutest.Start(t, img)
	stdout, stderr, code = run(t, "verify", "-p", changed.Port, "--addr", "0x04000000", out)
	if code != 1 || !strings.Contains(stdout, "differs: 0x5234567 (1 byte)") {
		t.Fatalf("verify after one byte changed: exit %d: %s%s", code, stdout, stderr)
	}
}

// TestRealUBootNoisyLine dumps 1 MiB from real U-Boot through a relay that
// flips and drops bytes on their way from the board to bootdump: the
// image must come out identical, the damage caught by the line checks and
// crc32 and read again.
func TestRealUBootNoisyLine(t *testing.T) {
	img := randomBytes(1<<20, 3)
	board := qemutest.Start(t, img)
	relay, stats := noisyRelay(t, strings.TrimPrefix(board.Port, "tcp://"), 1.5e-6, 1e-6)
	out := filepath.Join(t.TempDir(), "noisy.bin")
	r, _ := dumpOK(t, img, "-p", relay, "--addr", "0x04000000", "--size", "1M", "-o", out, "--idle-timeout", "3s", "--reader", "md")
	flips, drops := stats()
	t.Logf("relay flipped %d and dropped %d bytes; %d retries", flips, drops, r.Retries)
	if flips+drops == 0 || r.Retries == 0 {
		t.Fatalf("the relay injected %d faults and the dump retried %d times: the test proved nothing", flips+drops, r.Retries)
	}
}

// relay forwards TCP connections to target, one at a time, and returns its
// tcp:// address. fromDevice sees what the board sends, returns what the
// host gets instead, and says when to cut the connection (after that).
func relay(t testing.TB, target string, fromDevice func(b []byte) (out []byte, cut bool)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			host, err := ln.Accept()
			if err != nil {
				return
			}
			dev, err := net.Dial("tcp", target)
			if err != nil {
				host.Close()
				return
			}
			go func() {
				io.Copy(dev, host)
				dev.Close()
			}()
			buf := make([]byte, 4096)
			for {
				n, err := dev.Read(buf)
				out, cut := fromDevice(buf[:n])
				if _, werr := host.Write(out); werr != nil || err != nil || cut {
					host.Close()
					dev.Close()
					break
				}
			}
		}
	}()
	return "tcp://" + ln.Addr().String()
}

// noisyRelay is a relay that flips a bit of a byte (rate flip) or drops it
// (rate drop) on its way from the board to the host. It also returns a
// reader of its counts.
func noisyRelay(t testing.TB, target string, flip, drop float64) (string, func() (int64, int64)) {
	var flips, drops atomic.Int64
	rng := rand.New(rand.NewPCG(7, 7))
	addr := relay(t, target, func(b []byte) ([]byte, bool) {
		out := b[:0]
		for _, c := range b {
			switch x := rng.Float64(); {
			case x < drop:
				drops.Add(1)
				continue
			case x < drop+flip:
				flips.Add(1)
				c ^= 1 << rng.IntN(8)
			}
			out = append(out, c)
		}
		return out, false
	})
	return addr, func() (int64, int64) { return flips.Load(), drops.Load() }
}

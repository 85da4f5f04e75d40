package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/imagetest"
	"github.com/bootdump/bootdump/sim"
)

// The binary reader on the simulator, which runs the embedded readers by
// doing what their C source does (the machine code itself runs on real
// CPUs in binreader's tests and under QEMU in qemu_binary_test.go).

// TestBinaryReaderOnTheSimulator dumps a flash holding a real u-boot.bin,
// random data and erased space with the default reader (auto) on 32- and
// 64-bit U-Boot, by bootm and, on a build without bootm whose console is
// not a PL011, by go: identical, and the record names the binary reader
// for each chunk that was read and no reader for the erased ones.
func TestBinaryReaderOnTheSimulator(t *testing.T) {
	img := imagetest.BootloaderFlash(t, 2<<20)
	copy(img[1<<20+64<<10:], randomBytes(256<<10, 5))
	fw := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), img)
	for _, tc := range []struct{ name, params, arch, run string }{
		{"arm-bootm", "", "arm", "bootm 0x"},
		{"arm64-bootm", "&bits=64", "arm64", "bootm 0x"},
		{"arm-go", "&bootm=no&console=serial@10000000", "arm", "go 0x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "flash.bin")
			r, stderr := dumpOK(t, img, "-p", "sim:uboot?bootdelay=0&image="+fw+tc.params, "--addr", "0x04000000", "--size", "2M", "-o", out)
			reader := "binary reader (" + tc.arch + ")"
			if r.Device.Command != reader || !strings.Contains(stderr, "the binary reader runs ("+tc.arch+", "+tc.run) {
				t.Fatalf("not read by the %s binary reader through %s: %+v\n%s", tc.arch, tc.run, r, stderr)
			}
			rec, err := dump.ReadRecord(dump.RecordPath(out))
			if err != nil {
				t.Fatal(err)
			}
			read := 0
			for _, c := range rec.Chunks {
				erased := c.Verified == dump.VerifiedErased
				if erased && c.Reader != "" || !erased && c.Reader != reader {
					t.Fatalf("chunk at %#x (%s) names reader %q", c.Offset, c.Verified, c.Reader)
				}
				if !erased {
					read += c.Size
				}
			}
			if read < 512<<10 {
				t.Fatalf("only %d bytes read: the bootloader and the data are more", read)
			}
		})
	}
}

// TestBinaryReaderOnANoisyLine: bytes flipped, dropped and doubled on the
// way from the board, and a board that resets in the middle of the
// stream: the image is identical, the blocks sent again are counted, and
// a reader lost to a reset is put back.
func TestBinaryReaderOnANoisyLine(t *testing.T) {
	img := randomBytes(1<<20, 6)
	fw := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), img)
	for _, tc := range []struct{ name, faults, want string }{
		{"flips", "seed=3,flip=2e-5,drop=2e-6,dup=2e-6", "the binary reader sent "},
		{"reset", "seed=4,reset=700000", "the binary reader is gone (a reset?); putting it back"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "flash.bin")
			r, stderr := dumpOK(t, img, "-p", "sim:uboot?bootdelay=0&bits=64&image="+fw+"&faults="+tc.faults, "--addr", "0x04000000", "--size", "1M", "-o", out)
			if r.Device.Command != "binary reader (arm64)" || !strings.Contains(stderr, tc.want) {
				t.Fatalf("%+v: the log does not say %q:\n%s", r, tc.want, stderr)
			}
		})
	}
}

// TestAutoReaderFallsBack: where the binary reader cannot run, or the data
// is too little to pay for it, --reader auto reads with md and says why in
// one line; --reader binary stops with that sentence instead, leaving no
// file. md never hangs the board on the way (a go on a PL011 would).
func TestAutoReaderFallsBack(t *testing.T) {
	img := randomBytes(128<<10, 42)
	fw := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), img)
	for _, tc := range []struct {
		name, port string
		kib        int // the range dumped
		command    string
		why        string
	}{
		{"no-bootm-pl011", "sim:uboot?bootm=no", 128, "md.l",
			"reading with md: the binary reader cannot run here: bootm is not in this build, and go would hang a PL011 console (stdin=pl011@9000000)"},
		{"no-compiler-named", "sim:uboot?compiler=no", 128, "md.l",
			"reading with md: the binary reader cannot run here: cannot tell the CPU: version names no compiler, and neither the boot banner nor bdinfo's address map is one of a CPU with a reader (arm, arm64, riscv64, mips, mipsel, mips64, mips64el)"},
		{"foreign-exports", "sim:uboot?exports=foreign", 128, "md.l",
			"reading with md: the binary reader cannot run here: no jump table in U-Boot's global data at 0x4eeb6db0 answered (at 0x4eeb9cf0 the confirmation run printed nothing, not \"bdmp-ok\")"},
		{"not-u-boot", "sim:redboot?base=0x04000000", 128, "",
			"reading with md: the binary reader cannot run here: it runs on U-Boot, not redboot"},
		{"little-data", "sim:uboot?", 32, "md.l",
			"reading with md: 32 KiB of data to read, too little for the binary reader's setup to pay back (from 64 KiB)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			port := tc.port + "&bootdelay=0&image=" + fw
			out := filepath.Join(t.TempDir(), "out.bin")
			size := fmt.Sprintf("%dK", tc.kib)
			r, stderr := dumpOK(t, img[:tc.kib<<10], "-p", port, "--addr", "0x04000000", "--size", size, "-o", out)
			if tc.command != "" && r.Device.Command != tc.command {
				t.Fatalf("read by %q, not %s", r.Device.Command, tc.command)
			}
			if n := strings.Count(stderr, "reading with md: "); n != 1 || !strings.Contains(stderr, tc.why+"\n") {
				t.Fatalf("want the one line %q, got %d such lines:\n%s", tc.why, n, stderr)
			}
			if tc.name == "little-data" {
				return
			}
			bin := filepath.Join(t.TempDir(), "bin.bin")
			_, stderr, code := run(t, "dump", "-p", port, "--addr", "0x04000000", "--size", size, "-o", bin, "--reader", "binary")
			want := "bootdump: " + strings.TrimPrefix(tc.why, "reading with md: ")
			if code != 1 || lastLine(stderr) != want {
				t.Fatalf("--reader binary: exit %d, last line %q; want %q", code, lastLine(stderr), want)
			}
			noFile(t, bin)
		})
	}
}

// TestSimulatorBootmAsRealUBoot: what the simulator prints when bootm runs
// the arm64 reader (its gd run, its confirmation run) is what Debian's
// qemu_arm64 U-Boot printed for the same image
// (testdata/uboot-2023.01-qemu-arm64-bootm.log), line for line.
func TestSimulatorBootmAsRealUBoot(t *testing.T) {
	real, err := os.ReadFile("../../testdata/uboot-2023.01-qemu-arm64-bootm.log")
	if err != nil {
		t.Fatal(err)
	}
	img := randomBytes(64<<10, 8)
	fw := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), img)
	dir := t.TempDir()
	transcript := filepath.Join(dir, "console.log")
	dumpOK(t, img, "-p", "sim:uboot?bootdelay=0&bits=64&image="+fw, "--addr", "0x04000000", "--size", "64K",
		"-o", filepath.Join(dir, "out.bin"), "--reader", "binary", "--transcript", transcript)
	sim, err := os.ReadFile(transcript)
	if err != nil {
		t.Fatal(err)
	}
	want, got := bootmRuns(string(real)), bootmRuns(string(sim))
	if len(want) != 2 || len(got) < 2 {
		t.Fatalf("%d bootm runs captured, %d simulated", len(want), len(got))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("bootm run %d:\nreal U-Boot:\n%s\nsimulator:\n%s", i, want[i], got[i])
		}
	}
}

// bootmRuns are the console's answers to bootm, up to the next prompt,
// without the image's size (the reader's code changes it).
func bootmRuns(log string) []string {
	var runs []string
	for _, part := range strings.Split(log, "=> bootm ")[1:] {
		part, _, _ = strings.Cut(part, "=> ")
		var lines []string
		for _, l := range strings.Split(part, "\r\n") {
			if !strings.HasPrefix(l, "   Data Size:") {
				lines = append(lines, l)
			}
		}
		runs = append(runs, strings.Join(lines, "\n"))
	}
	return runs
}

// TestBinaryReaderOnRouters: the two router bootloaders most users hold,
// U-Boot 1.1.x builds whose version names no compiler: the MediaTek/Ralink
// SDK's (MIPS32 little-endian, 57600 baud, no crc32: read twice) and
// Atheros LSDK's (MIPS32 big-endian). The CPU is told by the build and the
// address map; the reader is typed in with mw.l through uncached KSEG1 and
// run by 1.1.x's go, finding 1.1.x's jump table in its gd (k0):
// identical.
func TestBinaryReaderOnRouters(t *testing.T) {
	img := randomBytes(1<<20, 8)
	fw := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), img)
	for _, tc := range []struct {
		name, port, baud, addr string
		size                   int
		arch                   string
	}{
		{"ralink", "sim:ralink?bootdelay=0&baud=57600&image=" + fw, "57600", "0xbc000000", 64 << 10, "mipsel"},
		{"lsdk", "sim:lsdk?bootdelay=0&baud=0&image=" + fw, "115200", "0x9f000000", 1 << 20, "mips"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "flash.bin")
			r, stderr := dumpOK(t, img[:tc.size], "-p", tc.port, "-b", tc.baud, "--addr", tc.addr, "--size", fmt.Sprint(tc.size), "-o", out, "-v")
			if r.Device.Command != "binary reader ("+tc.arch+")" || !strings.Contains(stderr, "run by go through uncached KSEG1") {
				t.Fatalf("not read by the %s binary reader run from KSEG1: %+v\n%s", tc.arch, r, stderr)
			}
		})
	}
}

// TestBinaryReaderSetupReset: a board that resets in the middle of the
// binary reader's setup (here: once, just after the reader's first run
// began, found from a first dump's transcript) ends the setup in one
// line; md reads the rest, identical, and the summary counts the reset.
func TestBinaryReaderSetupReset(t *testing.T) {
	img := randomBytes(128<<10, 9)
	fw := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), img)
	port := "sim:uboot?bootdelay=1&baud=0&image=" + fw
	transcript := filepath.Join(t.TempDir(), "console.txt")
	dumpOK(t, img, "-p", port, "--addr", "0x04000000", "--size", "128K", "-o", filepath.Join(t.TempDir(), "a.bin"), "--transcript", transcript)
	log, err := os.ReadFile(transcript)
	if err != nil {
		t.Fatal(err)
	}
	at := strings.Index(string(log), "## Booting kernel")
	if at < 0 {
		t.Fatalf("the first dump ran no reader:\n%s", log)
	}
	out := filepath.Join(t.TempDir(), "b.bin")
	r, stderr := dumpOK(t, img, "-p", fmt.Sprintf("%s&faults=reset=%d:once", port, at+200), "--addr", "0x04000000", "--size", "128K", "-o", out)
	if r.Resets != 1 || r.Device.Command != "md.l" || strings.Count(stderr, "the board reset during its setup") != 1 {
		t.Fatalf("result %+v: want md to read after one line about the reset, and the reset counted\n%s", r, stderr)
	}
}

// TestBinaryReaderTellsErasedBlocks: with --no-skip (no survey), the
// simulated reader tells every erased 4 KiB block (0xff or 0x00) and each
// repeat of the block before it in a few bytes, as reader.c does, and
// the image is identical.
func TestBinaryReaderTellsErasedBlocks(t *testing.T) {
	t.Parallel()
	img := bytes.Repeat([]byte{0xff}, 1<<20)
	copy(img, randomBytes(128<<10, 71))
	clear(img[512<<10 : 576<<10])                              // 16 blocks of 0x00
	pattern := randomBytes(4<<10, 72)                          // a block told once,
	for off := 768 << 10; off < 832<<10; off += len(pattern) { // then 15 times again
		copy(img[off:], pattern)
	}
	fw := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), img)
	out := filepath.Join(t.TempDir(), "flash.bin")
	_, stderr := dumpOK(t, img, "-v", "-b", "460800", "-p", "sim:uboot?bootdelay=0&baud=460800&image="+fw, "--addr", "0x04000000", "--size", "1M",
		"-o", out, "--reader", "binary", "--no-skip")
	erased, repeated := 0, 0
	for _, m := range regexp.MustCompile(`stream \(addr \w+, blocks \d+, erased (\d+), repeated (\d+)`).FindAllStringSubmatch(stderr, -1) {
		e, _ := strconv.Atoi(m[1])
		r, _ := strconv.Atoi(m[2])
		erased, repeated = erased+e, repeated+r
	}
	if want := 256 - 32 - 16; erased != want || repeated != 15 {
		t.Fatalf("the reader told %d blocks erased and %d repeated, want %d and 15\n%s", erased, repeated, want, stderr)
	}
}

// TestBinaryReaderCompresses: by default the simulated reader deflates
// the blocks of a u-boot.bin that deflate makes shorter (and the random
// ones not), the host inflates them with the stream before as the
// dictionary, and the image is identical; with --no-compress no block
// goes compressed.
func TestBinaryReaderCompresses(t *testing.T) {
	t.Parallel()
	img := imagetest.BootloaderFlash(t, 1<<20)
	copy(img[768<<10:], randomBytes(128<<10, 73))
	fw := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), img)
	stream := regexp.MustCompile(`stream \(addr \w+, blocks (\d+), erased \d+, repeated \d+, compressed (\d+), sent (\d+), sent back \d+, bytes (\d+)`)
	for _, tc := range []struct {
		name  string
		flags []string
	}{{"default", nil}, {"no-compress", []string{"--no-compress"}}} {
		out := filepath.Join(t.TempDir(), tc.name+".bin")
		_, stderr := dumpOK(t, img, append([]string{"-v", "-b", "460800", "-p", "sim:uboot?bootdelay=0&baud=460800&image=" + fw,
			"--addr", "0x04000000", "--size", "1M", "-o", out, "--reader", "binary"}, tc.flags...)...)
		var blocks, compressed, sent, bytes int
		for _, m := range stream.FindAllStringSubmatch(stderr, -1) {
			for i, v := range []*int{&blocks, &compressed, &sent, &bytes} {
				n, _ := strconv.Atoi(m[i+1])
				*v += n
			}
		}
		ratio := float64(bytes) / float64(sent)
		t.Logf("%s: %d of %d blocks compressed, %d bytes sent for %d: %.2fx", tc.name, compressed, blocks, sent, bytes, ratio)
		switch {
		case blocks == 0:
			t.Fatalf("%s: no stream in the log\n%s", tc.name, stderr)
		case tc.flags == nil && (compressed == 0 || compressed > blocks-32 || ratio < 1.5):
			t.Fatalf("%s: %d of %d blocks compressed, %.2fx: want u-boot.bin's compressed, the 32 random ones not, 1.5x or more", tc.name, compressed, blocks, ratio)
		case tc.flags != nil && compressed != 0:
			t.Fatalf("%s: %d blocks compressed", tc.name, compressed)
		}
	}
}

// TestResumeFindsTheReaderInRAM: a dump on a board with no loader (the
// reader typed in with mw.l) is killed halfway; the same command again
// finds the reader still in RAM by its crc32, does not type it in again,
// and finishes the image.
func TestResumeFindsTheReaderInRAM(t *testing.T) {
	img := randomBytes(512<<10, 77)
	board := ptyBoard(t, sim.Config{Image: img, Lacks: []string{"loady", "loadb", "loadx", "loads"}, Baud: 921600})
	out := filepath.Join(t.TempDir(), "flash.bin")
	args := []string{"dump", "-p", board.Path, "-b", "921600", "--addr", "0x04000000", "--size", "512K", "-o", out, "--json", "-v"}
	cmd, sc := startDump(t, args)
	var first []string
	for sc.Scan() {
		first = append(first, sc.Text())
		if strings.Contains(sc.Text(), "chunk verified") {
			cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	cmd.Wait()
	if log := strings.Join(first, "\n"); !strings.Contains(log, "putting the binary reader on the board: ") || !strings.Contains(log, "by mw.l") {
		t.Fatalf("the first run did not type the reader in:\n%s", log)
	}
	_, stderr := dumpOK(t, img, args[1:]...)
	if !strings.Contains(stderr, "the binary reader is still in RAM at 0x") || strings.Contains(stderr, "putting the binary reader on the board") {
		t.Fatalf("the resumed dump put the reader on the board again:\n%s", stderr)
	}
}

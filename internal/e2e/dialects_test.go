package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	endian "encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/imagetest"
	"github.com/bootdump/bootdump/sim"
)

// camera is the seed post's device: a Winbond W90P710 camera whose flash
// at 0x7F000000 holds a gzip-compressed kernel (linux.bin at 0x7F020000) and
// a romfs made by genromfs (romfs.img at 0x7F0E0000, 0xC3C00 bytes).
type camera struct {
	flash        []byte
	linux, romfs []byte
	images       []sim.Image
}

const cameraBase = 0x7f000000

func buildCamera(t testing.TB) *camera {
	t.Helper()
	genromfs := imagetest.Path(t, "genromfs")
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	for _, d := range []string{"bin", "etc", "usr/share"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	writeFile(t, filepath.Join(root, "etc", "inittab"), []byte("::sysinit:/etc/init.d/rcS\n::respawn:/bin/sh\n"))
	writeFile(t, filepath.Join(root, "bin", "camd"), randomBytes(300<<10, 11))
	// A filler file sized so the file system is exactly 0xC3C00 bytes, as
	// the seed's LS showed: build once, then correct the filler.
	const want = 0xc3c00
	filler := filepath.Join(root, "usr", "share", "firmware.bin")
	size := 400 << 10
	var romfs []byte
	for range 3 {
		writeFile(t, filler, randomBytes(size, 12))
		out := filepath.Join(dir, "romfs.img")
		if b, err := exec.Command(genromfs, "-d", root, "-f", out, "-V", "camera").CombinedOutput(); err != nil {
			t.Fatalf("genromfs: %v: %s", err, b)
		}
		var err error
		if romfs, err = os.ReadFile(out); err != nil {
			t.Fatal(err)
		}
		if len(romfs) == want {
			break
		}
		size += want - len(romfs)
	}
	if len(romfs) != want {
		t.Fatalf("genromfs made %#x bytes, want %#x", len(romfs), want)
	}
	var kernel bytes.Buffer
	zw := gzip.NewWriter(&kernel)
	for i := range 20000 {
		fmt.Fprintf(zw, "kernel text line %d: %x\n", i, randomBytes(8, uint64(i)))
	}
	zw.Close()
	c := &camera{flash: bytes.Repeat([]byte{0xff}, 2<<20), linux: kernel.Bytes(), romfs: romfs}
	copy(c.flash, randomBytes(0x10000, 13)) // the boot loader itself
	copy(c.flash[0x20000:], c.linux)
	copy(c.flash[0xe0000:], c.romfs)
	c.images = []sim.Image{
		{Num: 1, Name: "linux.bin", Base: 0x7f020000, Size: uint64(len(c.linux)), Exec: 0x8000, Flags: "acxz"},
		{Num: 2, Name: "romfs.img", Base: 0x7f0e0000, Size: want, Exec: 0x7f0e0000, Flags: "af"},
	}
	return c
}

// romfsChecksumOK checks the romfs header: the big-endian 32-bit words of
// its first 512 bytes (or the whole image, if smaller) sum to zero.
func romfsChecksumOK(b []byte) bool {
	if len(b) < 16 || string(b[:8]) != "-rom1fs-" {
		return false
	}
	n := min(512, int(endian.BigEndian.Uint32(b[8:12])))
	var sum uint32
	for i := 0; i+4 <= n; i += 4 {
		sum += endian.BigEndian.Uint32(b[i:])
	}
	return sum == 0
}

// TestSeedCameraWorkflow is the seed post's job on the simulated camera:
// info lists the images, dump --image all writes each one identical, the
// kernel passes gunzip -t and the romfs header checksum is valid; then the
// same with a profile written only from formats.md.
func TestSeedCameraWorkflow(t *testing.T) {
	cam := buildCamera(t)
	gunzip := imagetest.Path(t, "gzip")
	board := ptyBoard(t, sim.Config{Dialect: "winbond", Image: cam.flash, Images: cam.images})

	stdout, stderr, code := run(t, "info", "-p", board.Path)
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"winbond", "linux.bin  0x7f020000", "romfs.img  0x7f0e0000  0xc3c00", "found by    its prompt \"bootloader > \""} {
		if !strings.Contains(stdout, want) {
			t.Fatalf("info does not say %q:\n%s", want, stdout)
		}
	}
	stdout, stderr, code = run(t, "info", "-p", board.Path, "--json")
	var info struct {
		Bootloader struct{ Dialect, Detected string }
		Images     []struct {
			Name       string
			Base, Size uint64
		}
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || info.Bootloader.Dialect != "winbond" || len(info.Images) != 2 ||
		info.Images[1].Name != "romfs.img" || info.Images[1].Base != 0x7f0e0000 || info.Images[1].Size != 0xc3c00 {
		t.Fatalf("info --json: exit %d, %+v: %s %s", code, info, stdout, stderr)
	}

	for _, dialect := range []string{"auto", "../../profiles/winbond.toml"} {
		dir := filepath.Join(t.TempDir(), "camera")
		_, stderr, code = run(t, "dump", "-p", board.Path, "--dialect", dialect, "--image", "all", "-o", dir)
		if code != 0 {
			t.Fatalf("%s: dump --image all: exit %d: %s", dialect, code, stderr)
		}
		sameFile(t, filepath.Join(dir, "linux.bin"), cam.linux)
		sameFile(t, filepath.Join(dir, "romfs.img"), cam.romfs)
		if b, err := exec.Command(gunzip, "-t", filepath.Join(dir, "linux.bin")).CombinedOutput(); err != nil {
			t.Fatalf("gunzip -t linux.bin: %v: %s", err, b)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "romfs.img"))
		if !romfsChecksumOK(got) {
			t.Fatal("the romfs header checksum of the dumped romfs.img is wrong")
		}
		rec, err := dump.ReadRecord(dump.RecordPath(filepath.Join(dir, "romfs.img")))
		if err != nil || rec.State != dump.StateComplete || rec.Chunks[0].Verified != dump.VerifiedTwice {
			t.Fatalf("romfs.img record %+v %v", rec, err)
		}
		if !strings.Contains(string(rec.Contents), `"romfs"`) {
			t.Fatalf("the record does not say romfs.img holds a romfs: %s", rec.Contents)
		}
		// One image by name, into a file.
		one := filepath.Join(t.TempDir(), "kernel.gz")
		if _, stderr, code = run(t, "dump", "-p", board.Path, "--dialect", dialect, "--image", "linux.bin", "-o", one); code != 0 {
			t.Fatalf("dump --image linux.bin: exit %d: %s", code, stderr)
		}
		sameFile(t, one, cam.linux)
	}

	// Refusals: an image that is not in the table, --image with --addr,
	// U-Boot (which has no image table).
	out := filepath.Join(t.TempDir(), "x.bin")
	_, stderr, code = run(t, "dump", "-p", board.Path, "--image", "rootfs", "-o", out)
	if code != 1 || !strings.Contains(stderr, `no image "rootfs": the table lists linux.bin, romfs.img`) {
		t.Fatalf("missing image: exit %d: %s", code, stderr)
	}
	_, stderr, code = run(t, "dump", "-p", board.Path, "--image", "romfs.img", "--addr", "0x7f0e0000", "-o", out)
	if code != 2 {
		t.Fatalf("--image with --addr: exit %d: %s", code, stderr)
	}
	uboot := ptyBoard(t, sim.Config{Image: cam.flash})
	_, stderr, code = run(t, "dump", "-p", uboot.Path, "--image", "all", "-o", out)
	if code != 1 || !strings.Contains(stderr, "U-Boot keeps no image table") {
		t.Fatalf("--image on U-Boot: exit %d: %s", code, stderr)
	}
	noFile(t, out)
}

// TestOtherDialectsEveryWidth dumps 256 KiB of random data from simulated
// CFE, RedBoot and barebox boards with every unit width each offers, in
// both CPU byte orders.
func TestOtherDialectsEveryWidth(t *testing.T) {
	img := randomBytes(256<<10, 21)
	cases := []struct {
		dialect string
		widths  map[int]string // width -> the command the record names
		check   string         // the checksum that verifies chunks
	}{
		{"cfe", map[int]string{1: "d -b", 2: "d -h", 4: "d -w", 8: "d -q"}, ""},
		{"redboot", map[int]string{1: "-1", 2: "-2", 4: "-4"}, "posix-cksum"},
		{"barebox", map[int]string{1: "md -b", 2: "md -w", 4: "md -l", 8: "md -q"}, "crc32"},
	}
	for _, c := range cases {
		for _, order := range []string{"le", "be"} {
			board := ptyBoard(t, sim.Config{Dialect: c.dialect, Image: img, BigEndian: order == "be"})
			base := fmt.Sprintf("%#x", sim.DefaultBase(c.dialect))
			for w, cmd := range c.widths {
				t.Run(fmt.Sprintf("%s-%s-%d", c.dialect, order, w), func(t *testing.T) {
					out := filepath.Join(t.TempDir(), "flash.bin")
					r, _ := dumpOK(t, img, "-p", board.Path, "--addr", base, "--size", "256K", "-o", out, "--width", fmt.Sprint(w))
					if !strings.Contains(r.Device.Command, cmd) {
						t.Fatalf("read with %q, want %q", r.Device.Command, cmd)
					}
					rec, err := dump.ReadRecord(dump.RecordPath(out))
					if err != nil || rec.Device.Dialect != c.dialect || rec.Device.Checksum != c.check {
						t.Fatalf("record device %+v, %v", rec.Device, err)
					}
					want := map[string]string{"le": "little", "be": "big"}[order]
					if w > 1 && rec.Device.ByteOrder != want {
						t.Fatalf("byte order %q, want %q", rec.Device.ByteOrder, want)
					}
					verified := dump.VerifiedTwice
					if c.check != "" {
						verified = c.check // chunks carry the algorithm that verified them
						if rec.Algorithm != c.check {
							t.Fatalf("record algorithm %q, want %q", rec.Algorithm, c.check)
						}
					}
					for _, ch := range rec.Chunks {
						if ch.Verified != verified {
							t.Fatalf("chunk at %#x verified %q, want %q", ch.Offset, ch.Verified, verified)
						}
					}
				})
			}
		}
	}
}

// TestAutoDetect recognises each of the five bootloaders, and says why:
// by the prompt, by the banner, or by what "version" prints.
func TestAutoDetect(t *testing.T) {
	img := randomBytes(64<<10, 31)
	dir := t.TempDir()
	imgPath := writeFile(t, filepath.Join(dir, "img.bin"), img)
	// A board on a TCP port prints to nobody while no host is attached: a
	// second connection finds it silent at its prompt, with no banner.
	atPrompt := func(cfg sim.Config) string {
		cfg.BootDelay = -1 // no countdown: it waits at its prompt
		port := tcpBoard(t, cfg)
		if _, stderr, code := run(t, "info", "-p", port); code != 0 {
			t.Fatalf("first connection to %s: exit %d: %s", port, code, stderr)
		}
		return port
	}
	cases := []struct {
		port    func() string // powers the board on
		dialect string
		because []string // any of these
	}{
		{func() string { return ptyBoard(t, sim.Config{Image: img}).Path }, "uboot", []string{`its prompt "=> " is U-Boot's`}},
		{func() string { return ptyBoard(t, sim.Config{Dialect: "winbond", Image: img}).Path }, "winbond", []string{`its prompt "bootloader > " is the Winbond loader's`}},
		{func() string { return ptyBoard(t, sim.Config{Dialect: "cfe", Image: img}).Path }, "cfe", []string{`its prompt "CFE> " is Broadcom CFE's`}},
		{func() string { return ptyBoard(t, sim.Config{Dialect: "redboot", Image: img}).Path }, "redboot", []string{`its prompt "RedBoot> " is RedBoot's`}},
		// barebox's prompt names the board; a pty keeps what the board
		// printed before the host opened it, or some of it.
		{func() string { return ptyBoard(t, sim.Config{Dialect: "barebox", Image: img}).Path }, "barebox",
			[]string{`its prompt "barebox@Bootdump Sim Board:/ " is barebox's`, `its boot banner says "barebox 2023.01.0`}},
		{func() string { return atPrompt(sim.Config{Dialect: "barebox", Image: img}) }, "barebox", []string{`its prompt "barebox@Bootdump Sim Board:/ " is barebox's`}},
		// A vendor's prompt on a board already at it: only version can tell.
		{func() string { return atPrompt(sim.Config{Image: img, Prompt: "CAM# "}) }, "uboot", []string{`'version' printed "U-Boot 2023.01`}},
		{func() string { return atPrompt(sim.Config{Dialect: "redboot", Image: img, Prompt: "ROM> "}) }, "redboot", []string{`'version' printed "RedBoot(tm)`}},
		{func() string { return atPrompt(sim.Config{Dialect: "cfe", Image: img, Prompt: "BCM> "}) }, "cfe", []string{`'version' printed "*** command status = -1"`}},
		// Its line editor keeps the Ctrl-C sent to find the prompt: the line
		// then run answers with its error, before or after version is asked.
		{func() string { return atPrompt(sim.Config{Dialect: "winbond", Image: img, Prompt: "boot> "}) }, "winbond",
			[]string{`'version' printed "ERROR: unrecognised command"`, `its boot banner says "ERROR: unrecognised command"`}},
		// Powered on as bootdump connects: the boot banner tells.
		{func() string { return "sim:cfe?image=" + imgPath + "&bootdelay=1&prompt=BCM%3E%20" }, "cfe", []string{`its boot banner says "CFE version 1.0.37`}},
		{func() string { return "sim:winbond?image=" + imgPath + "&bootdelay=1&prompt=boot%3E%20" }, "winbond", []string{`its boot banner says "W90P745 Boot Loader`}},
	}
	for _, c := range cases {
		port := c.port()
		stdout, stderr, code := run(t, "info", "-p", port, "--json")
		var info struct {
			Bootloader struct{ Dialect, Detected string }
		}
		if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil {
			t.Fatalf("%s: exit %d: %s %s", port, code, stdout, stderr)
		}
		ok := false
		for _, b := range c.because {
			ok = ok || strings.HasPrefix(info.Bootloader.Detected, b)
		}
		if info.Bootloader.Dialect != c.dialect || !ok {
			t.Fatalf("%s: found %q because %q, want %q because %q", port, info.Bootloader.Dialect, info.Bootloader.Detected, c.dialect, c.because)
		}
	}
}

// tcpBoard serves a simulated board on a local TCP port for the test.
func tcpBoard(t *testing.T, cfg sim.Config) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- sim.ListenTCP(ctx, "127.0.0.1:0", cfg, func(a net.Addr, _ *sim.Board) { ready <- "tcp://" + a.String() })
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case port := <-ready:
		return port
	case err := <-done:
		t.Fatalf("listen: %v", err)
	}
	return ""
}

// TestProfileRefusals: a profile that cannot work is a usage error of
// one line, before anything is opened.
func TestProfileRefusals(t *testing.T) {
	dir := t.TempDir()
	bad := map[string]string{
		"nogroups.toml": "name = \"x\"\n[dump]\ncommand = \"d {addr} {len}\"\nwidth = 1\nline = '^(?P<a>.*)$'\n",
		"noorder.toml":  "name = \"x\"\n[dump]\ncommand = \"d {addr} {len}\"\nwidth = 4\nline = '^(?P<address>\\w+): (?P<data>.*)$'\n",
		"typo.toml":     "name = \"x\"\npromt = [\"> \"]\n",
	}
	for name, text := range bad {
		path := writeFile(t, filepath.Join(dir, name), []byte(text))
		_, stderr, code := run(t, "dump", "-p", "sim:uboot?image=/nonexistent", "--dialect", path, "--addr", "0", "--size", "16", "-o", filepath.Join(dir, "o.bin"))
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
	}
}

// TestOtherDialectsNoisyLine: flipped, lost and foreign bytes, stalls and
// a board that resets mid-dump, on each of the other bootloaders: the
// image still comes out identical, checked by cksum or crc32 where the
// bootloader has it and by reading twice where it has not.
func TestOtherDialectsNoisyLine(t *testing.T) {
	img := randomBytes(16<<10, 51)
	for i, d := range []string{"winbond", "cfe", "redboot", "barebox"} {
		t.Run(d, func(t *testing.T) {
			faults := &sim.Faults{Seed: uint64(i + 1), Flip: 5e-5, Drop: 2e-5, Noise: 0.002, Stall: 0.001, StallFor: 1500 * time.Millisecond, ResetAfter: 50000}
			board := ptyBoard(t, sim.Config{Dialect: d, Image: img, Faults: faults, BootDelay: 1})
			out := filepath.Join(t.TempDir(), "flash.bin")
			r, stderr := dumpOK(t, img, "-p", board.Path, "--addr", fmt.Sprintf("%#x", sim.DefaultBase(d)), "--size", "16K",
				"-o", out, "--chunk", "2K", "--idle-timeout", "1s")
			if r.Retries == 0 || r.Resets == 0 {
				t.Fatalf("%d retries and %d resets: the faults did not strike:\n%s", r.Retries, r.Resets, stderr)
			}
		})
	}
}

// TestWinbondLineKeepsControlKeys: the seed's loader echoes and keeps every
// key, Ctrl-C included. A Ctrl-C already in its line (typed by someone, or
// sent by bootdump to find the prompt) must not spoil the first command;
// and a board that powers on with bootdump waiting is at its prompt within
// 5 s of its countdown.
func TestWinbondLineKeepsControlKeys(t *testing.T) {
	cam := buildCamera(t)
	board := ptyBoard(t, sim.Config{Dialect: "winbond", Image: cam.flash, Base: cameraBase, Images: cam.images, BootDelay: 3})
	start := time.Now()
	stdout, stderr, code := run(t, "info", "-p", board.Path)
	if code != 0 || !strings.Contains(stdout, "romfs.img") {
		t.Fatalf("info at power-on: exit %d: %s%s", code, stdout, stderr)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the prompt took %v from power-on", took)
	}
	// Junk in the line: what a person typed, or a Ctrl-C of an earlier sync.
	f, err := os.OpenFile(board.Path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0x03, 0x03, 'x'})
	f.Close()
	out := filepath.Join(t.TempDir(), "romfs.img")
	r, stderr := dumpOK(t, cam.romfs, "-p", board.Path, "--image", "romfs.img", "-o", out)
	if r.Retries != 0 {
		t.Fatalf("%d retries: the junk in the line spoiled a command:\n%s", r.Retries, stderr)
	}
}

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/sim"
)

// TestFirstHour is the first hour of a new user, case by case: what they
// type, the exit status, the exact last line on standard error (one
// sentence: what is wrong and what to do), what standard output holds,
// and that no file is left behind or replaced. A port that does not
// exist stands for a board where the mistake must be found before any
// port is opened.
func TestFirstHour(t *testing.T) {
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	none := "/dev/ttyBOOTDUMPNONE"
	flash := sim.SampleFirmware(1 << 20)
	writeFile(t, in("flash.bin"), flash)
	writeFile(t, in("first.bin"), flash[:64<<10])
	writeFile(t, in("block.bin"), flash[:128<<10]) // one erase block
	writeFile(t, in("random.bin"), randomBytes(1<<20, 9))
	writeFile(t, in("half.bin"), append(append([]byte{}, flash[:256<<10]...), randomBytes(64<<10, 10)...))
	changed := append([]byte{}, flash[:128<<10]...)
	changed[100] ^= 0xff
	writeFile(t, in("changed.bin"), changed) // one erase block, one byte changed
	three := append([]byte{}, flash[:64<<10]...)
	for i := 100; i < 103; i++ {
		three[i] ^= 0x55
	}
	writeFile(t, in("three.bin"), three) // three bytes changed
	tcpSim := tcpBoard(t, sim.Config{Image: flash, BootDelay: -1})
	withUBoot := append([]byte{}, flash[:128<<10]...)
	copy(withUBoot[0x1f000:], "U-Boot 2023.01 (Jan 09 2023 - 12:00:00 +0000)\x00")
	writeFile(t, in("uboot.bin"), withUBoot) // the bootloader's own block
	writeFile(t, in("empty.bin"), nil)
	writeFile(t, in("short.bin"), flash[:0x80000+0x1000]) // a dump whose range ends inside the romfs
	writeFile(t, in("precious.bin"), []byte("precious"))
	writeFile(t, in("cut.log"), []byte("=> md.b 0x04000000 0x40\r\n"+
		"04000000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................\r\n"+
		"04000010: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................\r\n0400"))
	board := "sim:uboot?image=" + in("flash.bin") + "&bootdelay=0"
	// The seed's camera loader, with one image in its table.
	camera := append(bytes.Repeat([]byte{0xff}, 0xe0000), randomBytes(0x10000, 12)...)
	camera = append(camera, bytes.Repeat([]byte{0xff}, 0x10000)...)
	writeFile(t, in("camera.bin"), camera)
	writeFile(t, in("romfs.img"), randomBytes(0x10000, 13))
	winbond := "sim:winbond?image=" + in("camera.bin") + "&images=romfs.img@0x7f0e0000+0x10000:af&bootdelay=0"
	dump := func(port, out string, more ...string) []string {
		return append([]string{"dump", "-p", port, "--addr", "0x04000000", "--size", "64K", "-o", out}, more...)
	}
	// A finished dump whose journal verify reads the address from, and
	// its transcript: the binary reader's stream.
	if _, stderr, code := run(t, dump(board, in("done.bin"), "--transcript", in("binary.log"))...); code != 0 {
		t.Fatalf("dump: exit %d: %s", code, stderr)
	}

	cases := []struct {
		name   string
		args   []string
		stdin  []byte
		code   int
		stderr string   // the last line, exactly ("" for none)
		stdout []string // what standard output holds
		quiet  bool     // nothing on standard output
	}{
		// Files and streams: the output is checked before the port is opened.
		{name: "output folder missing", args: dump(none, in("nodir/x.bin")), code: 2,
			stderr: "bootdump: the folder " + in("nodir") + " does not exist: create it, or choose another -o", quiet: true},
		{name: "output is a folder", args: dump(none, dir, "--force"), code: 2,
			stderr: "bootdump: " + dir + " is a folder: give -o a file name, e.g. " + in("flash.bin"), quiet: true},
		{name: "output is a device", args: dump(none, "/dev/null", "--force"), code: 2,
			stderr: "bootdump: /dev/null is not a regular file (a device): bootdump never replaces it; give -o a file name", quiet: true},
		{name: "output to stdout", args: dump(none, "-"), code: 2,
			stderr: "bootdump: -o - would write to standard output, but the image is written only once every chunk is verified, beside the journal a resume needs: give a file name (then cat it)", quiet: true},
		{name: "existing output, dump", args: dump(none, in("precious.bin")), code: 2,
			stderr: "bootdump: " + in("precious.bin") + " exists; choose another -o, or --force to replace it", quiet: true},
		{name: "existing output, parse", args: []string{"parse", in("cut.log"), "-o", in("precious.bin")}, code: 2,
			stderr: "bootdump: " + in("precious.bin") + " exists; choose another -o, or --force to replace it", quiet: true},
		{name: "verify's result on stdout", args: []string{"verify", "-p", board, "--addr", "0x04000000", in("first.bin")},
			stdout: []string{"identical: the 65536 bytes at 0x4000000 match " + in("first.bin") + " (by the device's crc32)"}},
		{name: "verify narrows a change to its bytes", args: []string{"verify", "-p", board, "--addr", "0x04000000", in("three.bin")}, code: 1,
			stdout: []string{"0x4000064..0x4000066 (3 bytes)"}},
		{name: "-b auto on a TCP port goes on at the server's rate", args: []string{"info", "-p", tcpSim, "-b", "auto"},
			stdout: []string{"to back one up: bootdump dump -p " + tcpSim + " --addr 0x4000000"}},
		{name: "verify reads the address from the journal", args: []string{"verify", "-p", board, in("done.bin")},
			stdout: []string{"identical: the 65536 bytes at 0x4000000 match"}},
		{name: "restore's plan on stdout", args: []string{"restore", "-p", board, "--addr", "0x04000000", in("block.bin"), "--dry-run"},
			stdout: []string{in("block.bin") + " -> 0x4000000: 0 of 1 erase blocks differ from the device (by the device's crc32)", "nothing to write"}},
		{name: "restore plans the upload the board has", args: []string{"restore", "-p", board + "&lacks=loady,loadb,loadx,loads", "--addr", "0x04000000", in("changed.bin"), "--dry-run", "--force"},
			stdout: []string{in("changed.bin") + " -> 0x4000000: 1 of 1 erase blocks differ from the device (by the device's crc32)",
				"upload: 24.8 KiB in 1 part by binary reader, about 15s at 115200 baud (with the binary reader put on the board first: the board has no loader)"}},
		{name: "restore refuses the bootloader's block", args: []string{"restore", "-p", board, "--addr", "0x04000000", in("uboot.bin"), "--yes", "--force"}, code: 1,
			stderr: "bootdump: the erase block at 0x4000000 holds U-Boot 2023.01 (Jan 09 2023 - 12:00:00 +0000) in the image: writing it replaces the bootloader, and a write that fails there leaves a board only a flash programmer revives; check the image, then give --write-bootloader to write it",
			stdout: []string{"warning: the erase block at 0x4000000 holds U-Boot 2023.01 (Jan 09 2023 - 12:00:00 +0000) in the image: writing it replaces the bootloader"}},
		{name: "restore --image uploads to RAM before FX deletes the old image", args: []string{"restore", "-p", winbond, in("romfs.img"), "--image", "romfs.img", "--dry-run"},
			stdout: []string{in("romfs.img") + " -> image 1 romfs.img: 64 KiB at 0x7f0e0000, exec 0x7f0e0000, -af (as the table lists it)",
				"upload: 64 KiB twice: to RAM first (MX), then by FX, which deletes the image it replaces before its own upload comes; then read back and compared; about ",
				"\n  MX 0x100000\n  FX 1 romfs.img 0x7f0e0000 0x7f0e0000 -af\n"}},
		{name: "restore --image of an image the table lacks", args: []string{"restore", "-p", winbond, in("romfs.img"), "--image", "kernel", "--yes"}, code: 1,
			stderr: "bootdump: the image table lists no kernel (it lists romfs.img), and nothing says where it goes: give FILE's own dump (dump --image kernel keeps the entry in FILE.bootdump.json), or --entry \"NUM BASE EXEC FLAGS\" as LS listed it, or check the name"},
		{name: "restore --addr on the camera's loader", args: []string{"restore", "-p", winbond, in("romfs.img"), "--addr", "0x7f0e0000", "--yes"}, code: 1,
			stderr: "bootdump: BX writes raw data only from the flash's start, 0x7f000000: give --addr 0x7f000000 with an image of the flash from there, or --image NAME for an image of its table"},
		{name: "restore of the whole camera flash needs --write-bootloader", args: []string{"restore", "-p", winbond, in("camera.bin"), "--addr", "0x7f000000", "--yes"}, code: 1,
			stderr: "bootdump: BX writes from the flash's start, and its first erase block (0x7f000000..0x7f00ffff) is the boot loader's own: a write that fails there leaves a board only a flash programmer revives; check the image, then give --write-bootloader to write it",
			stdout: []string{"warning: BX rewrites the boot loader's own block, whatever the image holds there"}},
		{name: "restore --entry that is not an entry", args: []string{"restore", "-p", none, in("romfs.img"), "--image", "romfs.img", "--entry", "0x7f0e0000"}, code: 2,
			stderr: `bootdump: --entry "0x7f0e0000": give "NUM BASE EXEC [FLAGS]", as LS shows them (e.g. "2 0x7f0e0000 0x7f0e0000 af")`, quiet: true},
		{name: "restore --image with --addr", args: []string{"restore", "-p", none, in("romfs.img"), "--image", "romfs.img", "--addr", "0x7f0e0000"}, code: 2,
			stderr: "bootdump: --image takes where the image goes from the bootloader's image table: leave out --addr and --flash", quiet: true},
		{name: "restore --image on U-Boot", args: []string{"restore", "-p", board, in("romfs.img"), "--image", "romfs.img", "--yes"}, code: 1,
			stderr: "bootdump: the device runs U-Boot (its prompt \"=> \" is U-Boot's), which cannot write images into a table: give --addr, where the image goes"},
		{name: "info's suggestion runs at the rate -b auto found", args: []string{"info", "-p", board + "&baud=57600", "-b", "auto"},
			stdout: []string{" -b 57600 --addr 0x4000000 --size 1M -o nor0.bin"}},
		{name: "parse of a binary reader's transcript", args: []string{"parse", in("binary.log"), "-o", in("parsed.bin")}, code: 1,
			stderr: "bootdump: " + in("binary.log") + " holds the binary reader's stream (how dump reads U-Boot by default), not md's lines, which parse reads: the dump's own image is the data; for a log parse can read, dump with --reader md --transcript FILE", quiet: true},
		{name: "an address in none of the board's memory", args: dump(board, in("unlisted.bin"), "--addr", "0x20000000"), code: 1,
			stderr: "bootdump: 0x20000000 + 0x10000 is in none of the memory the bootloader lists (RAM 0x40000000..0x4fffffff (bdinfo), flash 0x0..0x3ffffff (bdinfo), NOR flash bank 1 0x4000000..0x40fffff (flinfo)): a read outside them hangs or resets most boards; check --addr (bootdump info lists the board's memory), or give --unlisted to read it anyway"},
		{name: "a mistyped command", args: []string{"dumpp", "-p", none}, code: 2,
			stderr: `bootdump: "dumpp" is not a bootdump command: did you mean dump? (bootdump --help says what each does)`, quiet: true},
		{name: "a mistyped flag", args: []string{"dump", "-p", none, "--adr", "0x0", "-o", in("typo.bin")}, code: 2,
			stderr: "bootdump: unknown flag: --adr: did you mean --addr? (bootdump dump --help lists its flags)", quiet: true},
		{name: "a flag the command has not", args: []string{"identify", "-p", none, in("flash.bin")}, code: 2,
			stderr: "bootdump: unknown shorthand flag: 'p' in -p (bootdump identify --help lists its flags)", quiet: true},
		{name: "HOST:PORT as a port", args: []string{"info", "-p", "127.0.0.1:5611"}, code: 1,
			stderr: "bootdump: open serial port 127.0.0.1:5611: no such file or directory (for a TCP port, write tcp://127.0.0.1:5611; rfc2217:// or telnet:// for those servers)", quiet: true},
		{name: "verify of a file longer than the flash", args: []string{"verify", "-p", board, "--addr", "0x040f0000", in("block.bin")}, code: 1,
			stderr: "bootdump: 0x40f0000 + 0x20000 runs past the end of NOR flash bank 1 (0x4000000..0x40fffff, flinfo): the file is longer than the 0x10000 bytes the flash holds from --addr; check --addr and the file"},
		{name: "identify an empty file", args: []string{"identify", in("empty.bin")}, code: 1,
			stderr: "bootdump: " + in("empty.bin") + " is empty: there is nothing to identify", quiet: true},
		{name: "identify /dev/null", args: []string{"identify", "/dev/null"}, code: 1,
			stderr: "bootdump: /dev/null is empty: there is nothing to identify", quiet: true},
		{name: "identify random data", args: []string{"identify", in("random.bin")}, code: 1,
			stderr: "bootdump: nothing in " + in("random.bin") + " is a format bootdump knows (nor erased space): it may be encrypted, compressed whole, or not firmware",
			stdout: []string{"0x00000000  1 MiB             (not identified)", "no known format in its 1 MiB"}},
		{name: "identify --json", args: []string{"identify", "--json", in("random.bin")}, code: 1,
			stderr: "bootdump: nothing in " + in("random.bin") + " is a format bootdump knows (nor erased space): it may be encrypted, compressed whole, or not firmware",
			stdout: []string{`"findings": []`, `"unknown": [`}},
		{name: "identify: an image the file ends inside is cut off, not damaged", args: []string{"identify", in("short.bin")},
			stdout: []string{"romfs   cut off", "the dump's range ends inside it", "1 cut off"}},
		{name: "identify says what it did not identify", args: []string{"identify", in("half.bin")},
			stdout: []string{"uimage", "0x00040000  64 KiB ", "(not identified)", "; 64 KiB of 320 KiB not identified"}},
		{name: "identify reads standard input", args: []string{"identify", "-"}, stdin: flash[:256<<10],
			stdout: []string{"standard input: 262144 bytes", "uimage", "ok"}},
		{name: "parse of a cut-off log", args: []string{"parse", in("cut.log"), "-o", in("cut.bin")}, code: 1,
			stderr: "bootdump: the log ends inside an md (listed above): nothing written; save the whole log, or give --fill to write what it holds (0xff for the rest)", quiet: true},

		// Messages and exit codes.
		{name: "size in MiB", args: []string{"dump", "-p", none, "--addr", "0x04000000", "--size", "1MiB", "-o", in("n.bin")}, code: 1,
			stderr: "bootdump: open serial port " + none + ": no such file or directory (check the name, see bootdump ports, and that you may use it, e.g. group dialout on Linux)"},
		{name: "size 1.5M", args: []string{"dump", "-p", none, "--addr", "0x04000000", "--size", "1.5M", "-o", in("n.bin")}, code: 1,
			stderr: "bootdump: open serial port " + none + ": no such file or directory (check the name, see bootdump ports, and that you may use it, e.g. group dialout on Linux)"},
		{name: "address too large", args: []string{"dump", "-p", none, "--addr", "0x10000000000000000", "--size", "1M", "-o", in("n.bin")}, code: 2,
			stderr: `bootdump: invalid argument "0x10000000000000000" for "--addr" flag: "0x10000000000000000" is too large: addresses and sizes go up to 0xffffffffffffffff`, quiet: true},
		{name: "chunk 0", args: dump(none, in("n.bin"), "--chunk", "0"), code: 2,
			stderr: "bootdump: --chunk 0: give the bytes per verified chunk, a multiple of 16 such as 64K", quiet: true},
		{name: "range past the flash", args: []string{"dump", "-p", board, "--addr", "0x040f8000", "--size", "64K", "-o", in("n.bin")}, code: 1,
			stderr: "bootdump: 0x40f8000 + 0x10000 runs past the end of NOR flash bank 1 (0x4000000..0x40fffff, flinfo): give --size 0x8000 or less"},
		{name: "stray argument", args: append(dump(none, in("n.bin")), "extra"), code: 2,
			stderr: `bootdump: dump takes no argument "extra": every setting is a flag (usage: bootdump dump -p PORT --addr A --size N -o FILE)`, quiet: true},
		{name: "verify without FILE", args: []string{"verify", "-p", none, "--addr", "0"}, code: 2,
			stderr: "bootdump: verify needs FILE, the image to compare (usage: bootdump verify -p PORT [--addr A] FILE)", quiet: true},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2,
			stderr: `bootdump: "frobnicate" is not a bootdump command: completion, console, demo, dump, identify, info, parse, ports, restore, sim, verify (bootdump --help says what each does)`, quiet: true},
		{name: "bad fault", args: []string{"sim", "--image", in("flash.bin"), "--pty", "--faults", "flip=abc"}, code: 2,
			stderr: `bootdump: fault "flip=abc": a rate is a number from 0 to 1, such as 1e-5`, quiet: true},
		{name: "bad simulated dialect", args: []string{"info", "-p", "sim:nope?image=" + in("flash.bin")}, code: 2,
			stderr: `bootdump: bad simulator port "sim:nope?image=` + in("flash.bin") + `": the simulator speaks barebox, cfe, lsdk, openbios, ralink, redboot, slof, uboot, uefi-shell, winbond, not "nope"`, quiet: true},
		{name: "JSON keeps > as itself", args: []string{"info", "--json", "-p", board},
			stdout: []string{`"prompt": "=> "`}},

		// What picocom, flashrom and binwalk users expect.
		{name: "version", args: []string{"--version"}, stdout: []string{"bootdump "}},
		{name: "ports", args: []string{"ports", "--json"}, stdout: []string{"["}},
		{name: "completion in the help", args: []string{"--help"}, stdout: []string{"source <(bootdump completion bash)", "completion  "}},
		{name: "completing ports", args: []string{"__complete", "dump", "-p", ""}, stdout: []string{"sim:uboot\tthe built-in simulated board"}},
		{name: "completing dialects", args: []string{"__complete", "dump", "--dialect", ""}, stdout: []string{"uboot\t", "ralink\t", "auto\t"}},
		{name: "completing sources", args: []string{"__complete", "dump", "--source", ""}, stdout: []string{"mem", "nand"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := listing(t, dir)
			cmd := exec.Command(binary, c.args...)
			cmd.Stdin = bytes.NewReader(c.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			last := ""
			if s := strings.TrimRight(stderr.String(), "\n"); s != "" {
				last = lastLine(s)
			}
			if code != c.code || (c.stderr != "" && last != c.stderr) {
				t.Fatalf("exit %d, want %d\nlast line %q\nwant      %q\nstderr:\n%s", code, c.code, last, c.stderr, stderr.String())
			}
			if c.code != 0 && strings.Count(stderr.String(), "bootdump: ") != 1 {
				t.Fatalf("more than one error sentence:\n%s", stderr.String())
			}
			if c.quiet && stdout.Len() > 0 {
				t.Fatalf("standard output holds %q", stdout.String())
			}
			for _, want := range c.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Fatalf("standard output lacks %q:\n%s", want, stdout.String())
				}
			}
			if strings.Contains(stdout.String(), `\u003e`) {
				t.Fatalf("JSON with escaped >: %s", stdout.String())
			}
			if after := listing(t, dir); after != before {
				t.Fatalf("the folder changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode().IsRegular() {
		t.Fatal("/dev/null was replaced")
	}
}

// listing names each file of dir with its size and modification time.
func listing(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %s; ", e.Name(), info.Size(), info.ModTime().Format(time.RFC3339Nano))
	}
	return b.String()
}

// TestDumpSummary: the summary counts bytes (a chunk split into 4 KiB
// pieces is not counted as more chunks), and on a link that carries more
// than its baud rate can (the simulator unpaced) it says so instead of a
// ratio to md.l.
func TestDumpSummary(t *testing.T) {
	flash := sim.SampleFirmware(1 << 20)
	dir := t.TempDir()
	img := writeFile(t, filepath.Join(dir, "flash.bin"), flash)
	stdout, stderr, code := run(t, "dump", "-p", "sim:uboot?bootdelay=0&image="+img, "--addr", "0x04000000", "--size", "1M", "-o", filepath.Join(dir, "out.bin"))
	if code != 0 || !strings.Contains(stdout, "\n  data     56 KiB dumped, 968 KiB erased (checked on the device, not read)\n") ||
		!strings.Contains(stdout, ": more than 115200 baud carries (the link is not paced like a serial line)\n") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
}

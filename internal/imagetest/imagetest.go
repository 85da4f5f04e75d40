// Package imagetest makes firmware test images with the real tools (mkimage,
// mksquashfs, genromfs, mkfs.jffs2, mkfs.cramfs, ubinize, dtc, gzip, xz,
// lzma, mkenvimage) and lays them out in a 16 MiB flash image with erased
// gaps, for the identify tests.
//
// Where a tool is missing the tests skip, naming the package to install;
// with BOOTDUMP_REQUIRE_TOOLS=1 (as CI sets) they fail instead.
package imagetest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/identify"
)

// Part is one test image.
type Part struct {
	Name     string           // its file name
	Type     string           // the type identify should report
	Verdict  identify.Verdict // and its verdict
	Children []string         // the types identify should find inside, in order
	At       int64            // where Composite places it
	Flip     int              // the byte (from the part's start) Damaged flips, where the format notices
	Data     []byte
}

// Set is the test images and the files the file systems hold.
type Set struct {
	Dir   string
	Parts []Part
	Files map[string][]byte // path in the file systems -> content
}

// FlashSize is the size of the composite image.
const FlashSize = 16 << 20

// Mtdparts is the partition table the environments carry; it matches where
// Composite places the parts.
const Mtdparts = "bootdump-flash:256k(boot)ro,128k(env),1152k(kernel),1536k(blobs),512k(rootfs),-(ubi)"

// tools maps each tool to the Debian package that has it.
var tools = map[string]string{
	"mkimage": "u-boot-tools", "mkenvimage": "u-boot-tools", "mksquashfs": "squashfs-tools",
	"genromfs": "genromfs", "mkfs.jffs2": "mtd-utils", "ubinize": "mtd-utils",
	"mkfs.cramfs": "util-linux-extra", "dtc": "device-tree-compiler", "gzip": "gzip",
	"xz": "xz-utils", "lzma": "xz-utils",
}

// RequireTools skips (or fails, under BOOTDUMP_REQUIRE_TOOLS=1) when a tool is missing.
func RequireTools(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := lookPath(name); err != nil {
			msg := fmt.Sprintf("%s is not installed (Debian package %s; ./scripts/test installs it)", name, tools[name])
			if os.Getenv("BOOTDUMP_REQUIRE_TOOLS") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// lookPath also looks in the sbin folders, which a user's PATH may lack.
func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// Build makes every test image in a temporary folder.
func Build(t testing.TB) *Set {
	t.Helper()
	names := make([]string, 0, len(tools))
	for n := range tools {
		names = append(names, n)
	}
	RequireTools(t, names...)
	s := &Set{Dir: t.TempDir(), Files: map[string][]byte{}}
	b := builder{t: t, dir: s.Dir, rng: rand.New(rand.NewPCG(1, 2))}

	for _, f := range []struct {
		path string
		size int
	}{{"etc/config.txt", 300}, {"bin/app", 40 << 10}, {"www/index.html", 20 << 10}, {"readme", 5 << 10}} {
		data := b.text(f.size)
		s.Files[f.path] = data
		b.write(filepath.Join("root", f.path), data)
	}
	kernel := b.text(256 << 10)
	b.write("kernel.bin", kernel)
	b.run("gzip", "-9", "-n", "-k", "kernel.bin")
	b.run("xz", "-k", "kernel.bin")
	b.run("lzma", "-k", "kernel.bin")
	b.run("mkimage", "-A", "arm", "-O", "linux", "-T", "kernel", "-C", "gzip", "-a", "0x80008000",
		"-e", "0x80008000", "-n", "Linux-6.1-bootdump", "-d", "kernel.bin.gz", "uImage")
	b.write("board.dts", []byte(`/dts-v1/;
/ { model = "bootdump test board"; compatible = "bootdump,test"; #address-cells = <1>; #size-cells = <1>;
    memory@80000000 { device_type = "memory"; reg = <0x80000000 0x4000000>; };
    chosen { bootargs = "console=ttyS0,115200"; }; };
`))
	b.run("dtc", "-I", "dts", "-O", "dtb", "-o", "board.dtb", "board.dts")
	b.write("fit.its", []byte(`/dts-v1/;
/ { description = "bootdump test FIT"; #address-cells = <1>;
    images {
        kernel-1 { description = "kernel"; data = /incbin/("kernel.bin.gz"); type = "kernel"; arch = "arm";
            os = "linux"; compression = "gzip"; load = <0x80008000>; entry = <0x80008000>;
            hash-1 { algo = "crc32"; }; hash-2 { algo = "sha1"; }; };
        fdt-1 { description = "board"; data = /incbin/("board.dtb"); type = "flat_dt"; arch = "arm";
            compression = "none"; hash-1 { algo = "sha256"; }; };
    };
    configurations { default = "conf-1"; conf-1 { kernel = "kernel-1"; fdt = "fdt-1"; }; };
};
`))
	b.run("mkimage", "-f", "fit.its", "fit.itb")
	b.write("env.txt", []byte("bootcmd=bootm 0x9f090000\nbootdelay=3\nbaudrate=115200\n"+
		"bootargs=console=ttyS0,115200 root=/dev/mtdblock4 mtdparts="+Mtdparts+"\n"+
		"mtdparts=mtdparts="+Mtdparts+"\nethaddr=02:00:00:00:00:01\n"))
	b.run("mkenvimage", "-s", "0x10000", "-o", "env.bin", "env.txt")
	b.run("mkenvimage", "-r", "-s", "0x10000", "-o", "env-redundant.bin", "env.txt")
	b.run("mksquashfs", "root", "rootfs.squashfs", "-noappend", "-all-root", "-quiet")
	b.run("genromfs", "-d", "root", "-f", "rootfs.romfs", "-V", "bootdump")
	b.run("mkfs.cramfs", "root", "rootfs.cramfs")
	b.run("mkfs.jffs2", "-r", "root", "-o", "rootfs.jffs2", "-e", "0x10000", "-l")
	b.write("ubi.ini", []byte("[kernel]\nmode=ubi\nimage=kernel.bin.gz\nvol_id=0\nvol_type=static\nvol_name=kernel\n"+
		"[config]\nmode=ubi\nimage=board.dtb\nvol_id=1\nvol_type=dynamic\nvol_size=256KiB\nvol_name=config\n"))
	b.run("ubinize", "-o", "ubi.img", "-p", "128KiB", "-m", "2048", "-s", "512", "ubi.ini")
	elf, err := os.ReadFile("/usr/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	b.write("true.elf", elf)

	half := func(n int) func([]byte) int { return func(d []byte) int { return len(d) / n } }
	specs := []struct {
		name     string
		typ      string
		verdict  identify.Verdict
		children []string
		at       int64
		flip     func([]byte) int
	}{
		// e_phoff's fourth byte: the program headers move 16 MiB away.
		{"true.elf", "elf", identify.Unverifiable, nil, 0x000000, func(d []byte) int { return map[byte]int{1: 0x1F, 2: 0x23}[d[4]] }},
		{"env.bin", "uboot-env", identify.OK, nil, 0x040000, func([]byte) int { return 4 + 20 }},
		{"env-redundant.bin", "uboot-env", identify.OK, nil, 0x050000, func([]byte) int { return 5 + 20 }},
		// The first structure token: FDT_BEGIN_NODE becomes an invalid one.
		{"board.dtb", "fdt", identify.Unverifiable, nil, 0x080000, func(d []byte) int { return int(binary.BigEndian.Uint32(d[8:])) + 2 }},
		{"uImage", "uimage", identify.OK, []string{"gzip"}, 0x090000, half(2)},
		{"fit.itb", "fit", identify.OK, []string{"gzip", "fdt"}, 0x100000, half(2)},
		{"kernel.bin.gz", "gzip", identify.OK, nil, 0x180000, half(2)},
		{"kernel.bin.xz", "xz", identify.OK, nil, 0x200000, half(2)},
		{"kernel.bin.lzma", "lzma", identify.Unverifiable, nil, 0x280000, half(2)},
		{"rootfs.squashfs", "squashfs", identify.OK, nil, 0x300000, half(2)},
		// Inside the first 512 bytes, which the volume checksum covers.
		{"rootfs.romfs", "romfs", identify.OK, nil, 0x310000, func([]byte) int { return 100 }},
		{"rootfs.cramfs", "cramfs", identify.OK, nil, 0x360000, half(2)},
		{"rootfs.jffs2", "jffs2", identify.OK, nil, 0x370000, half(2)},
		// The erase counter of the second block.
		{"ubi.img", "ubi", identify.OK, nil, 0x380000, func([]byte) int { return 128<<10 + 10 }},
	}
	for i, sp := range specs {
		data := b.read(sp.name)
		if i+1 < len(specs) && sp.at+int64(len(data)) > specs[i+1].at {
			t.Fatalf("%s (%d bytes) does not fit before 0x%x", sp.name, len(data), specs[i+1].at)
		}
		s.Parts = append(s.Parts, Part{Name: sp.name, Type: sp.typ, Verdict: sp.verdict, Children: sp.children,
			At: sp.at, Flip: sp.flip(data), Data: data})
	}
	return s
}

// Composite lays every part out in an erased 16 MiB flash image.
func (s *Set) Composite() []byte {
	img := bytes.Repeat([]byte{0xFF}, FlashSize)
	for _, p := range s.Parts {
		copy(img[p.At:], p.Data)
	}
	return img
}

// Damaged is Composite with one byte flipped in every part, each where its
// format can tell.
func (s *Set) Damaged() []byte {
	img := s.Composite()
	for _, p := range s.Parts {
		img[p.At+int64(p.Flip)] ^= 0x01
	}
	return img
}

type builder struct {
	t   testing.TB
	dir string
	rng *rand.Rand
}

// text makes n bytes of compressible, never repeating text.
func (b *builder) text(n int) []byte {
	words := strings.Fields("flash boot kernel erase block sector image u-boot console serial baud " +
		"memory offset checksum router camera partition rootfs squashfs verify restore dump")
	var buf bytes.Buffer
	for buf.Len() < n {
		fmt.Fprintf(&buf, "%s %d ", words[b.rng.IntN(len(words))], b.rng.IntN(1000))
		if b.rng.IntN(12) == 0 {
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()[:n]
}

func (b *builder) write(name string, data []byte) {
	p := filepath.Join(b.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *builder) read(name string) []byte {
	data, err := os.ReadFile(filepath.Join(b.dir, name))
	if err != nil {
		b.t.Fatal(err)
	}
	return data
}

func (b *builder) run(name string, args ...string) {
	b.t.Helper()
	path, err := lookPath(name)
	if err != nil {
		b.t.Fatal(err)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = b.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// BigEndian makes the file systems whose byte order follows the CPU in
// their big-endian form (mkfs.jffs2 -b, mkfs.cramfs -N big), as MIPS and
// PowerPC boards carry them. Flip is in the middle of each.
func BigEndian(t testing.TB) []Part {
	t.Helper()
	RequireTools(t, "mkfs.jffs2", "mkfs.cramfs")
	b := builder{t: t, dir: t.TempDir(), rng: rand.New(rand.NewPCG(3, 4))}
	b.write("root/etc/config.txt", b.text(300))
	b.write("root/bin/app", b.text(40<<10))
	b.run("mkfs.jffs2", "-b", "-r", "root", "-o", "be.jffs2", "-e", "0x10000")
	b.run("mkfs.cramfs", "-N", "big", "root", "be.cramfs")
	var parts []Part
	for _, p := range []struct{ name, typ string }{{"be.jffs2", "jffs2"}, {"be.cramfs", "cramfs"}} {
		data := b.read(p.name)
		parts = append(parts, Part{Name: p.name, Type: p.typ, Verdict: identify.OK, Flip: len(data) / 2, Data: data})
	}
	return parts
}

// Path is where a tool is, after RequireTools.
func Path(t testing.TB, name string) string {
	t.Helper()
	RequireTools(t, name)
	p, _ := lookPath(name)
	return p
}

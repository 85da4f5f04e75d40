package uboot

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/dialect"
)

// captureOutput returns what the real capture printed for cmd.
func captureOutput(t *testing.T, cmd string) []string {
	t.Helper()
	f, err := os.Open("../../testdata/uboot-2023.01-qemu-arm.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(l, "=> ") {
			if in {
				return out
			}
			in = l == "=> "+cmd
			continue
		}
		if in {
			out = append(out, l)
		}
	}
	t.Fatalf("the capture has no %q", cmd)
	return nil
}

// mtd list as real U-Boot 2023.01 on QEMU's virt board prints it.
func TestParseMTDListRealCapture(t *testing.T) {
	devs := parseMTDList(captureOutput(t, "mtd list"))
	if len(devs) != 2 {
		t.Fatalf("%+v", devs)
	}
	for i, name := range []string{"nor0", "nor1"} {
		d := devs[i]
		if d.Name != name || d.Type != "NOR flash" || d.Size != 0x2000000 || d.EraseSize != 0x20000 || d.PageSize != 1 || len(d.Partitions) != 0 {
			t.Errorf("device %d: %+v", i, d)
		}
	}
}

func TestParseMTDListPartitions(t *testing.T) {
	devs := parseMTDList([]string{
		"List of MTD devices:",
		"* nand0",
		"  - type: NAND flash",
		"  - block size: 0x20000 bytes",
		"  - min I/O: 0x800 bytes",
		"  - OOB size: 64 bytes",
		"  - 0x000000000000-0x000004000000 : \"nand0\"",
		"\t  - 0x000000000000-0x000000100000 : \"boot\"",
		"\t  - 0x000000100000-0x000004000000 : \"rootfs\"",
	})
	want := dialect.Flash{Kind: "mtd", Name: "nand0", Type: "NAND flash", Size: 64 << 20, EraseSize: 128 << 10, PageSize: 2048, OOBSize: 64,
		Partitions: []dialect.Partition{{Name: "boot", Offset: 0, Size: 1 << 20}, {Name: "rootfs", Offset: 1 << 20, Size: 63 << 20}}}
	if len(devs) != 1 || devs[0].Name != want.Name || devs[0].Size != want.Size || devs[0].OOBSize != 64 ||
		len(devs[0].Partitions) != 2 || devs[0].Partitions[1] != want.Partitions[1] {
		t.Fatalf("%+v", devs)
	}
}

func TestSizeWithUnit(t *testing.T) {
	for in, want := range map[string]uint64{"256 Bytes": 256, "4 KiB": 4096, "16 MiB": 16 << 20, "1 GiB": 1 << 30} {
		if got := sizeWithUnit(in); got != want {
			t.Errorf("%q: %d", in, got)
		}
	}
}

// flinfo as real U-Boot 2023.01 prints it on QEMU's virt board (bank 2,
// its first sectors protected: they hold the environment).
func TestParseFlinfo(t *testing.T) {
	out := "\nBank # 2: CFI conformant flash (16 x 16)  Size: 32 MB in 256 Sectors\n" +
		"  Intel Extended command set, Manufacturer ID: 0x89, Device ID: 0x0018\n" +
		"  Erase timeout: 16384 ms, write timeout: 3 ms\n  Buffer write timeout: 3 ms, buffer size: 2048 bytes\n\n" +
		"  Sector Start Addresses:\n" +
		"  04000000   RO   04020000   RO   04040000        04060000        04080000      \n" +
		"  040A0000        040C0000        040E0000        04100000        04120000      \n"
	banks := parseFlinfo(strings.Split(out, "\n"))
	if len(banks) != 1 {
		t.Fatalf("%+v", banks)
	}
	b := banks[0]
	if b.Num != 2 || b.Start != 0x04000000 || b.Size != 32<<20 || len(b.Sectors) != 10 || !b.Protected[1] || b.Protected[2] || b.SectorEnd(9) != 0x06000000 || b.SectorEnd(0) != 0x04020000 {
		t.Fatalf("%+v", b)
	}
}

// A bank under 1 MiB: flinfo prints its size in whole MB, 0; the sectors
// say 512 KiB.
func TestParseFlinfoSmallBank(t *testing.T) {
	out := "\nBank # 1: CFI conformant flash (16 x 16)  Size: 0 MB in 4 Sectors\n" +
		"  Sector Start Addresses:\n  04000000        04020000        04040000        04060000      \n"
	banks := parseFlinfo(strings.Split(out, "\n"))
	if len(banks) != 1 || banks[0].Size != 512<<10 || banks[0].SectorEnd(3) != 0x04080000 {
		t.Fatalf("%+v", banks)
	}
}

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/qemutest"
)

// flashImage is size bytes of erased flash with random data in the given
// (offset, length) ranges.
func flashImage(size int, seed uint64, data ...[2]int) []byte {
	img := bytes.Repeat([]byte{0xFF}, size)
	for i, d := range data {
		copy(img[d[0]:], randomBytes(d[1], seed+uint64(i)))
	}
	return img
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A board with SPI NOR (16 MiB), NAND (64 MiB, two bad blocks, partitions
// from mtdparts) and eMMC: each dumped through the RAM window, identical,
// bad blocks reported and recorded, --size all from the device and from
// the partition table.
func TestFlashSources(t *testing.T) {
	dir := t.TempDir()
	spi := flashImage(16<<20, 1, [2]int{0, 3 << 20}, [2]int{12 << 20, 1 << 20})
	nand := flashImage(64<<20, 2, [2]int{0, 4 << 20}, [2]int{30 << 20, 2 << 20}, [2]int{60 << 20, 1 << 20})
	mmc := flashImage(4<<20, 3, [2]int{0, 1 << 20})
	bad := []int64{0x40000, 0x1E00000} // in the kernel area and in the rootfs partition
	port := "sim:uboot?image=" + writeFile(t, filepath.Join(dir, "nor.img"), flashImage(1<<20, 4)) +
		"&sf=" + writeFile(t, filepath.Join(dir, "spi.img"), spi) +
		"&nand=" + writeFile(t, filepath.Join(dir, "nand.img"), nand) + "&nandbad=0x40000,0x1e00000" +
		"&mmc=" + writeFile(t, filepath.Join(dir, "mmc.img"), mmc) +
		"&mtdparts=mtdparts=nand0:1m(boot),3m(kernel),-(rootfs)"
	nandRead := bytes.Clone(nand)
	for _, b := range bad {
		copy(nandRead[b:b+128<<10], bytes.Repeat([]byte{0xFF}, 128<<10))
	}

	t.Run("spi", func(t *testing.T) {
		out := filepath.Join(dir, "spi.bin")
		r, _ := dumpOK(t, spi, "-p", port, "--source", "sf", "--addr", "0", "--size", "all", "-o", out)
		if r.ChunksErased == 0 || r.ChunksDumped == 0 {
			t.Errorf("%+v: want erased chunks confirmed and data chunks dumped", r)
		}
	})
	t.Run("nand", func(t *testing.T) {
		out := filepath.Join(dir, "nand.bin")
		_, stderr := dumpOK(t, nandRead, "-p", port, "--source", "nand", "--addr", "0", "--size", "all", "-o", out)
		if !strings.Contains(stderr, "bad blocks (not read, 0xff in the image): 0x40000, 0x1e00000") {
			t.Errorf("bad blocks not reported:\n%s", stderr)
		}
		rec, err := dump.ReadRecord(dump.RecordPath(out))
		if err != nil || len(rec.BadBlocks) != 2 || rec.BadBlocks[0] != 0x40000 || rec.BadBlocks[1] != 0x1E00000 || rec.Source != "nand" {
			t.Errorf("record: bad blocks %v, source %q, %v", rec.BadBlocks, rec.Source, err)
		}
	})
	t.Run("partition", func(t *testing.T) {
		out := filepath.Join(dir, "rootfs.bin")
		_, stderr := dumpOK(t, nandRead[4<<20:], "-p", port, "--source", "mtd:rootfs", "--addr", "0", "--size", "all", "-o", out)
		// The bad block at 0x1e00000 of the device is at 0x1a00000 of the partition.
		if !strings.Contains(stderr, "0x1a00000") {
			t.Errorf("bad block not reported at its partition offset:\n%s", stderr)
		}
	})
	t.Run("raw", func(t *testing.T) {
		// Pages with their spare areas, the bad block included: its first
		// page's spare area starts with the zero bad-block marker.
		var want []byte
		for p := 0; p < (4<<20)/2048; p++ {
			want = append(want, nand[p*2048:(p+1)*2048]...)
			spare := bytes.Repeat([]byte{0xFF}, 64)
			if int64(p*2048) == bad[0] {
				spare[0] = 0
			}
			want = append(want, spare...)
		}
		out := filepath.Join(dir, "raw.bin")
		_, stderr := dumpOK(t, want, "-p", port, "--source", "nand", "--raw", "--addr", "0", "--size", "4M", "-o", out)
		if !strings.Contains(stderr, "read raw like the rest") {
			t.Errorf("the bad block was not mentioned:\n%s", stderr)
		}
	})
	t.Run("verify", func(t *testing.T) {
		// The dump of the partition is identical by the device's crc32;
		// a changed byte is found to the byte.
		img := filepath.Join(dir, "rootfs-check.bin")
		changed := bytes.Clone(nandRead[4<<20:])
		changed[0x123457] ^= 0x40
		writeFile(t, img, nandRead[4<<20:])
		if stdout, stderr, code := run(t, "verify", "-p", port, "--source", "mtd:rootfs", "--addr", "0", img); code != 0 || !strings.Contains(stdout, "identical") {
			t.Fatalf("exit %d: %s%s", code, stdout, stderr)
		}
		writeFile(t, img, changed)
		stdout, stderr, code := run(t, "verify", "-p", port, "--source", "mtd:rootfs", "--addr", "0", img)
		if code != 1 || !strings.Contains(stdout, "0x123457 (1 byte)") {
			t.Fatalf("exit %d: %s%s", code, stdout, stderr)
		}
	})
	t.Run("mmc", func(t *testing.T) {
		out := filepath.Join(dir, "mmc.bin")
		dumpOK(t, mmc[1<<20:3<<20], "-p", port, "--source", "mmc:0", "--addr", "1M", "--size", "2M", "-o", out)
	})
	t.Run("mmc of a rounded capacity", func(t *testing.T) {
		// 3.5 MiB + 512 bytes: mmc info says "3.5 MiB", which is not the
		// size; a given --size reads, --size all asks for one.
		odd := flashImage(3<<20+512<<10+512, 6, [2]int{0, 1 << 20})
		oddPort := "sim:uboot?image=" + filepath.Join(dir, "nor.img") + "&mmc=" + writeFile(t, filepath.Join(dir, "odd.img"), odd)
		dumpOK(t, odd[:2<<20], "-p", oddPort, "--source", "mmc:0", "--addr", "0", "--size", "2M", "-o", filepath.Join(dir, "odd.bin"))
		_, stderr, code := run(t, "dump", "-p", oddPort, "--source", "mmc:0", "--addr", "0", "--size", "all", "-o", filepath.Join(dir, "odd-all.bin"))
		if code != 1 || !strings.Contains(stderr, "does not say how big it is: give --size") {
			t.Errorf("--size all on a rounded capacity: exit %d, %q", code, lastLine(stderr))
		}
	})
	t.Run("info", func(t *testing.T) {
		stdout, stderr, code := run(t, "info", "-p", port, "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var board dialect.Board
		if err := json.Unmarshal([]byte(stdout), &board); err != nil {
			t.Fatal(err)
		}
		found := map[string]dialect.Flash{}
		for _, f := range board.Flash {
			found[string(f.Kind)+":"+f.Name] = f
		}
		if f := found["sf:0:0"]; f.Size != 16<<20 || f.EraseSize != 64<<10 {
			t.Errorf("sf: %+v", f)
		}
		if f := found["nand:nand0"]; f.Size != 64<<20 || f.PageSize != 2048 || len(f.BadBlocks) != 2 {
			t.Errorf("nand: %+v", f)
		}
		if f := found["mtd:nand0"]; len(f.Partitions) != 3 || f.Partitions[2].Name != "rootfs" || f.Partitions[2].Size != 60<<20 {
			t.Errorf("mtd nand0: %+v", f)
		}
		if f, ok := found["mmc:0"]; !ok {
			t.Errorf("mmc: %+v", f)
		}
		text, _, _ := run(t, "info", "-p", port)
		for _, want := range []string{"sf:0:0", "mtd:rootfs", "2 bad blocks: 0x40000, 0x1e00000", "mmc:0"} {
			if !strings.Contains(text, want) {
				t.Errorf("info does not show %q:\n%s", want, text)
			}
		}
	})
	t.Run("refusals", func(t *testing.T) {
		out := filepath.Join(dir, "refused.bin")
		noSF := "sim:uboot?image=" + filepath.Join(dir, "nor.img")
		for _, c := range []struct {
			args []string
			code int
			says string
		}{
			{[]string{"--source", "flash", "--size", "1M"}, 2, "give mem, sf"},
			{[]string{"--size", "all"}, 2, "needs a flash source"},
			{[]string{"--source", "mtd:missing", "--size", "1M"}, 1, "mtd list shows nor0, spi-nor@0, nand0, boot, kernel, rootfs"},
			{[]string{"--source", "sf", "--addr", "15M", "--size", "2M"}, 1, "runs past the end of sf"},
			{[]string{"--source", "sf", "--addr", "16M", "--size", "all"}, 1, "beyond the end of sf"},
			{[]string{"--source", "sf", "--size", "1M", "-p", noSF}, 1, "sf is not in this U-Boot build"},
			{[]string{"--source", "sf", "--raw", "--size", "1M"}, 2, "give --source nand"},
			{[]string{"--source", "nand", "--raw", "--addr", "0x100", "--size", "1M"}, 2, "multiples of the 2048-byte page"},
		} {
			args := append([]string{"dump", "-p", port, "--addr", "0", "-o", out}, c.args...)
			_, stderr, code := run(t, args...)
			if code != c.code || !strings.Contains(stderr, c.says) || strings.Count(strings.TrimSpace(lastLine(stderr)), "\n") > 0 {
				t.Errorf("%v: exit %d, %q", c.args, code, lastLine(stderr))
			}
			noFile(t, out)
		}
	})
}

// Real U-Boot under QEMU: info lists the two CFI flashes as nor0 and nor1,
// and the second is dumped through the RAM window with mtd read.
func TestRealUBootMTD(t *testing.T) {
	flash := flashImage(2<<20, 5, [2]int{0, 1 << 20}, [2]int{(1 << 20) + (512 << 10), 256 << 10})
	board := qemutest.Start(t, flash)
	stdout, stderr, code := run(t, "info", "-p", board.Port, "--json")
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, stderr)
	}
	var info dialect.Board
	if err := json.Unmarshal([]byte(stdout), &info); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range info.Flash {
		names = append(names, f.Name)
		if f.Kind != "mtd" || f.Size != 32<<20 || f.EraseSize != 128<<10 || f.Type != "NOR flash" {
			t.Errorf("%+v", f)
		}
	}
	if strings.Join(names, ",") != "nor0,nor1" || !strings.HasPrefix(info.Identity.Version, "U-Boot 2023.01") {
		t.Fatalf("info: %s", stdout)
	}
	// Where the CPU sees each (flinfo's banks): info says so.
	if m0, m1 := info.Flash[0].Mapped, info.Flash[1].Mapped; m0 == nil || *m0 != 0 || m1 == nil || *m1 != 0x04000000 {
		t.Fatalf("mapped at %v and %v, want 0 and 0x4000000", m0, m1)
	}
	if text, _, _ := run(t, "info", "-p", board.Port); !strings.Contains(text, "mapped at 0x4000000..0x5ffffff (--addr 0x4000000 reads it directly)") {
		t.Fatalf("info does not say where nor1 is:\n%s", text)
	}
	out := filepath.Join(t.TempDir(), "nor1.bin")
	r, _ := dumpOK(t, flash, "-p", board.Port, "--source", "mtd:nor1", "--addr", "0", "--size", "2M", "-o", out)
	if r.ChunksDumped < 20 || r.ChunksErased < 8 {
		t.Errorf("%+v", r)
	}
}

// TestMarkerInErasedFlash: a 32-byte marker in erased flash is dumped in
// the 4 KiB piece that holds it; the chunk's other 15 pieces are confirmed
// erased on the device (crc32, then cmp), and the image is identical.
func TestMarkerInErasedFlash(t *testing.T) {
	img := markerFlash()
	fw := writeFile(t, filepath.Join(t.TempDir(), "marker.bin"), img)
	out := filepath.Join(t.TempDir(), "out.bin")
	r, _ := dumpOK(t, img, "-p", "sim:uboot?image="+fw+"&bootdelay=0", "--addr", "0x04000000", "--size", "2M", "-o", out)
	if r.ChunksDumped != 2 || r.ChunksErased != 30+15 {
		t.Fatalf("result %+v: want the data chunk and the marker's piece dumped, 30 chunks and 15 pieces erased", r)
	}
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Chunks {
		if c.Offset >= 1<<20 && c.Offset < 1<<20+64<<10 && c.Size != 4<<10 {
			t.Fatalf("the marker's chunk was read in a piece of %d bytes at %#x, want 4 KiB pieces", c.Size, c.Offset)
		}
		if c.Offset == 1<<20 && c.Verified != dump.VerifiedCRC32 {
			t.Fatalf("the marker's piece verified as %q", c.Verified)
		}
	}
}

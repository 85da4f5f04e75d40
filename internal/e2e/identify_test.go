package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/identify"
	"github.com/bootdump/bootdump/internal/imagetest"
	"github.com/bootdump/bootdump/internal/qemutest"
)

// bootdump identify on the 16 MiB composite: the table names every part,
// --json gives the same findings, --extract carves each part and unpacks
// the squashfs and romfs trees to the files they were made from.
func TestIdentifyCommand(t *testing.T) {
	set := imagetest.Build(t)
	dir := t.TempDir()
	img := filepath.Join(dir, "flash.img")
	if err := os.WriteFile(img, set.Composite(), 0o644); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, code := run(t, "identify", img)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, p := range set.Parts {
		if !strings.Contains(stdout, fmt.Sprintf("0x%08x", p.At)) {
			t.Errorf("table has no line for %s at 0x%08x:\n%s", p.Name, p.At, stdout)
		}
	}
	if strings.Contains(stdout, "damaged") || !strings.Contains(stdout, " ok") || !strings.Contains(stdout, "Partitions (mtdparts of bootdump-flash)") {
		t.Errorf("table:\n%s", stdout)
	}

	stdout, _, code = run(t, "identify", "--json", img)
	var rep identify.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 {
		t.Fatalf("--json (exit %d): %v\n%.500s", code, err, stdout)
	}
	types := map[int64]string{}
	for _, f := range rep.Findings {
		types[f.Offset] = f.Type
	}
	for _, p := range set.Parts {
		if types[p.At] != p.Type {
			t.Errorf("--json: %s at 0x%x, want %s", types[p.At], p.At, p.Type)
		}
	}

	out := filepath.Join(dir, "parts")
	if _, stderr, code := run(t, "identify", "--extract", out, img); code != 0 {
		t.Fatalf("--extract: exit %d: %s", code, stderr)
	}
	for _, p := range set.Parts {
		matches, _ := filepath.Glob(filepath.Join(out, fmt.Sprintf("%08x-%s.*", p.At, p.Type)))
		if len(matches) != 1 {
			t.Errorf("%s: carved files %v", p.Name, matches)
			continue
		}
		carved, _ := os.ReadFile(matches[0])
		// A carve ends where the format says; tools pad after that.
		if len(carved) == 0 || !bytes.Equal(carved, p.Data[:len(carved)]) || len(p.Data)-len(carved) >= 4096 {
			t.Errorf("%s: carved %d bytes, not the part's %d", p.Name, len(carved), len(p.Data))
		}
	}
	for _, tree := range []string{"00300000-squashfs", "00310000-romfs"} {
		for path, want := range set.Files {
			got, err := os.ReadFile(filepath.Join(out, tree, path))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s/%s: %v", tree, path, err)
			}
		}
	}
	// A second extraction into the same folder replaces nothing.
	before, _ := os.ReadFile(filepath.Join(out, "00180000-gzip.gz"))
	_, stderr, code = run(t, "identify", "--extract", out, img)
	if code != 1 || !strings.Contains(stderr, "exists already") {
		t.Errorf("extract over earlier files: exit %d, %q", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "00180000-gzip.gz")); !bytes.Equal(before, after) {
		t.Error("an extracted file was overwritten")
	}

	// The damaged copy: exit 1, every part listed as damaged.
	bad := filepath.Join(dir, "damaged.img")
	if err := os.WriteFile(bad, set.Damaged(), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = run(t, "identify", bad)
	if code != 1 || !strings.Contains(stderr, " damaged parts, listed above") {
		t.Fatalf("damaged image: exit %d, %q", code, stderr)
	}
	if n := strings.Count(stdout, " damaged "); n < len(set.Parts) {
		t.Errorf("%d damaged lines, want %d:\n%s", n, len(set.Parts), stdout)
	}
	for _, args := range [][]string{{"identify"}, {"identify", filepath.Join(dir, "missing.img")}, {"identify", dir}} {
		if _, stderr, code := run(t, args...); code == 0 || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}

// A dump ends by telling what the image holds, and the record keeps it.
func TestDumpIdentifiesContents(t *testing.T) {
	set := imagetest.Build(t)
	flash := set.Composite()[:4<<20]
	dir := t.TempDir()
	image := filepath.Join(dir, "device.img")
	if err := os.WriteFile(image, flash, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "dump.bin")
	_, stderr := dumpOK(t, flash, "-p", "sim:uboot?image="+image, "--addr", "0x04000000", "--size", "4M", "-o", out)
	checkDumpContents(t, out, stderr, set, 4<<20)
}

func checkDumpContents(t *testing.T, out, stderr string, set *imagetest.Set, size int64) {
	t.Helper()
	if !strings.Contains(stderr, "contents: ") || !strings.Contains(stderr, `"Linux-6.1-bootdump"`) {
		t.Errorf("the dump did not say what the image holds:\n%s", stderr)
	}
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil {
		t.Fatal(err)
	}
	var rep identify.Report
	if err := json.Unmarshal(rec.Contents, &rep); err != nil {
		t.Fatalf("record contents: %v", err)
	}
	types := map[int64]identify.Finding{}
	for _, f := range rep.Findings {
		types[f.Offset] = f
	}
	for _, p := range set.Parts {
		if p.At+int64(len(p.Data)) > size {
			continue
		}
		if f := types[p.At]; f.Type != p.Type || f.Verdict != p.Verdict {
			t.Errorf("record: %s %s at 0x%x, want %s %s", f.Type, f.Verdict, p.At, p.Type, p.Verdict)
		}
	}
}

// The same from real U-Boot: 2 MiB of the second flash holding a device
// tree, a uImage, a FIT, a gzip and an xz stream.
func TestRealUBootDumpIdentifies(t *testing.T) {
	qemutest.Require(t)
	set := imagetest.Build(t)
	flash := set.Composite()[:2<<20]
	board := qemutest.Start(t, flash)
	out := filepath.Join(t.TempDir(), "nor1.bin")
	_, stderr := dumpOK(t, flash, "-p", board.Port, "--addr", "0x04000000", "--size", "2M", "-o", out)
	checkDumpContents(t, out, stderr, set, 2<<20)
}

// TestIdentifyDebianUBoot: each of Debian's u-boot.bin files is the
// first thing of a flash dump: identify names U-Boot and its version over
// the whole file, and exits 0.
func TestIdentifyDebianUBoot(t *testing.T) {
	for _, build := range []string{"qemu_arm", "qemu_arm64", "qemu-riscv64", "maltael", "qemu-ppce500"} {
		t.Run(build, func(t *testing.T) {
			bin := qemutest.DebianUBoot(t, build)
			path := writeFile(t, filepath.Join(t.TempDir(), "u-boot.bin"), bin)
			stdout, stderr, code := run(t, "identify", path, "--json")
			var rep identify.Report
			if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil {
				t.Fatalf("exit %d: %s%s", code, stdout, stderr)
			}
			if len(rep.Findings) != 1 || rep.Findings[0].Type != "u-boot" || rep.Findings[0].Length != int64(len(bin)) ||
				rep.Findings[0].Detail("version") != "2023.01+dfsg-2+deb12u3" {
				t.Fatalf("findings %+v: want one, U-Boot 2023.01+dfsg-2+deb12u3 over all %d bytes", rep.Findings, len(bin))
			}
		})
	}
}

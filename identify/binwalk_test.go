package identify_test

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/identify"
	"github.com/bootdump/bootdump/internal/imagetest"
)

// binwalkTypes maps the start of binwalk's descriptions, for the formats
// bootdump knows, to the types identify reports.
var binwalkTypes = []struct{ prefix, types string }{
	{"ELF,", "elf"},
	{"Flattened device tree", "fdt fit"},
	{"uImage header", "uimage"},
	{"gzip compressed data", "gzip"},
	{"xz compressed data", "xz"},
	{"LZMA compressed data", "lzma"},
	{"Squashfs filesystem", "squashfs"},
	{"romfs filesystem", "romfs"},
	{"CramFS filesystem", "cramfs"},
	{"JFFS2 filesystem", "jffs2"},
	{"UBI erase count header", "ubi"},
}

// Every signature binwalk reports on the composite image, for the formats
// both know, is found by identify at the same offset (at any depth).
func TestBinwalkFindsNothingWeMiss(t *testing.T) {
	binwalk, err := exec.LookPath("binwalk")
	if err != nil {
		if os.Getenv("BOOTDUMP_REQUIRE_TOOLS") == "1" {
			t.Fatal("binwalk is not installed (Debian package binwalk)")
		}
		t.Skip("binwalk is not installed (Debian package binwalk)")
	}
	set := imagetest.Build(t)
	img := set.Composite()
	path := filepath.Join(t.TempDir(), "flash.img")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "binwalk.csv")
	cmd := exec.Command(binwalk, "--quiet", "--csv", "--log", logPath, path)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // binwalk writes its config under HOME
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("binwalk: %v\n%s", err, out)
	}
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}

	ours := map[int64][]string{}
	var walk func([]identify.Finding)
	walk = func(fs []identify.Finding) {
		for _, f := range fs {
			ours[f.Offset] = append(ours[f.Offset], f.Type)
			walk(f.Children)
		}
	}
	walk(scan(t, img).Findings)

	compared := 0
	for _, row := range rows[1:] {
		off, err := strconv.ParseInt(row[0], 10, 64)
		if err != nil {
			t.Fatalf("binwalk row %q", row)
		}
		for _, bt := range binwalkTypes {
			if !strings.HasPrefix(row[2], bt.prefix) {
				continue
			}
			compared++
			found := false
			for _, typ := range ours[off] {
				found = found || strings.Contains(" "+bt.types+" ", " "+typ+" ")
			}
			if !found {
				t.Errorf("binwalk: 0x%x %s; identify found %v there", off, row[2], ours[off])
			}
		}
	}
	// Every part but the environments (binwalk has no signature for them),
	// the gzip and device tree inside the FIT and the gzip inside the
	// uImage: binwalk should report them all.
	want := 3
	for _, p := range set.Parts {
		if p.Type != "uboot-env" {
			want++
		}
	}
	if compared < want {
		t.Errorf("binwalk reported only %d signatures of known formats:\n%v", compared, rows)
	}
	t.Logf("binwalk reported %d signatures of the formats both know; identify found each", compared)
}

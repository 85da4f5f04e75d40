package e2e

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReleaseReproducible runs scripts/release twice: the nine archives
// and SHA256SUMS come out byte for byte the same, and each archive holds
// the binary, the README, the license and the changelog.
func TestReleaseReproducible(t *testing.T) {
	for _, tool := range []string{"git", "tar", "gzip", "zip", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("BOOTDUMP_REQUIRE_TOOLS") == "1" {
				t.Fatalf("%s is missing, and BOOTDUMP_REQUIRE_TOOLS=1", tool)
			}
			t.Skipf("%s is missing: ./scripts/test installs it", tool)
		}
	}
	if err := exec.Command("git", "-C", "../..", "rev-parse", "HEAD").Run(); err != nil {
		t.Skip("not a git checkout: the release is stamped from git")
	}
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		cmd := exec.Command("../../scripts/release", "v0.0.0-test", d)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("scripts/release: %v\n%s", err, out)
		}
	}
	names, err := filepath.Glob(filepath.Join(dirs[0], "*"))
	if err != nil {
		t.Fatal(err)
	}
	var archives []string
	for _, n := range names {
		base := filepath.Base(n)
		a, _ := os.ReadFile(n)
		b, err := os.ReadFile(filepath.Join(dirs[1], base))
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("%s differs between two runs of scripts/release", base)
		}
		if base != "SHA256SUMS" {
			archives = append(archives, base)
			checkArchive(t, n)
		}
	}
	want := []string{"darwin_amd64.tar.gz", "darwin_arm64.tar.gz", "freebsd_amd64.tar.gz", "linux_386.tar.gz", "linux_amd64.tar.gz",
		"linux_arm.tar.gz", "linux_arm64.tar.gz", "windows_amd64.zip", "windows_arm64.zip"}
	for i := range want {
		want[i] = "bootdump_v0.0.0-test_" + want[i]
	}
	if !slices.Equal(archives, want) {
		t.Fatalf("archives %v, want %v", archives, want)
	}
	sums, _ := os.ReadFile(filepath.Join(dirs[0], "SHA256SUMS"))
	if strings.Count(string(sums), "\n") != 9 {
		t.Fatalf("SHA256SUMS:\n%s", sums)
	}
}

// checkArchive wants the binary, README.md, LICENSE and CHANGELOG.md in an
// archive's one folder.
func checkArchive(t *testing.T, path string) {
	t.Helper()
	var files []string
	if strings.HasSuffix(path, ".zip") {
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		for _, f := range z.File {
			if !f.FileInfo().IsDir() {
				files = append(files, filepath.Base(f.Name))
			}
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if h.Typeflag == tar.TypeReg {
				files = append(files, filepath.Base(h.Name))
			}
		}
	}
	slices.Sort(files)
	exe := "bootdump"
	if strings.Contains(path, "windows") {
		exe = "bootdump.exe"
	}
	want := []string{"CHANGELOG.md", "LICENSE", "README.md", exe}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Fatalf("%s holds %v, want %v", filepath.Base(path), files, want)
	}
}

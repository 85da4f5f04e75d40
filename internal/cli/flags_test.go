package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
)

// Every usage error is found in the flags alone: exit status 2, one
// sentence naming what is wrong, and nothing opened, read or written (the
// port given is one that does not exist, and the output directory stays
// empty).
func TestFlagErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.bin")
	img := filepath.Join(t.TempDir(), "img.bin")
	if err := os.WriteFile(img, make([]byte, 64), 0o644); err != nil {
		t.Fatal(err)
	}
	port := "/dev/bootdump-no-such-port"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dump", "-p", port, "--size", "1M", "-o", out}, "no address: give --addr"},
		{[]string{"dump", "-p", port, "--addr", "0", "-o", out}, "no size: give --size"},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "0", "-o", out}, "the size is 0"},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "1M"}, "no output file: give -o FILE"},
		{[]string{"dump", "--addr", "0", "--size", "1M", "-o", out}, "no port: give -p"},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "all", "-o", out}, "--size all needs a flash source"},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "1M", "--chunk", "0", "-o", out}, "--chunk 0"},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "1M", "--chunk", "100", "-o", out}, "chunk 100: it must be a multiple of 16"},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "1M", "--reader", "fast", "-o", out}, `--reader "fast": md, binary or auto`},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "1M", "--reader", "binary", "--source", "nand", "-o", out}, "--reader binary reads memory"},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "1M", "--raw", "-o", out}, "--raw reads NAND pages"},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "1M", "--retries", "-1", "-o", out}, "retries -1"},
		{[]string{"dump", "-p", port, "--addr", "0xffffffffffff0000", "--size", "1M", "-o", out}, "runs past the top of the address space"},
		{[]string{"dump", "-p", port, "--addr", "0", "--size", "1M", "--source", "floppy", "-o", out}, "floppy"},
		{[]string{"dump", "-p", port, "--image", "kernel", "--addr", "0", "-o", out}, "--image takes its address and size"},
		{[]string{"dump", "-p", port, "-b", "0", "--addr", "0", "--size", "1M", "-o", out}, "baud rate"},
		{[]string{"dump", "-p", port, "--flow", "dtr", "--addr", "0", "--size", "1M", "-o", out}, `flow control "dtr"`},
		{[]string{"verify", "-p", port, "--chunk", "0", "--addr", "0", img}, "chunk 0"},
		{[]string{"verify", "-p", port, img}, "no address: give --addr"},
		{[]string{"restore", "-p", port, img}, "no address: give --addr"},
		{[]string{"restore", "-p", port, "--addr", "0", "--flash", "tape", img}, `--flash "tape"`},
		{[]string{"restore", "-p", port, "--addr", "0xffffffffffffffe0", img}, "runs past the top of the address space"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tc.args, &stdout, &stderr)
			msg := strings.TrimSpace(stderr.String())
			if code != exitUsage || !strings.Contains(msg, tc.want) {
				t.Fatalf("exit %d, stderr %q: want exit %d and %q", code, msg, exitUsage, tc.want)
			}
			if strings.Count(msg, "\n") > 1 {
				t.Errorf("more than one sentence: %q", msg)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("a usage error wrote %v", left)
			}
		})
	}
}

// The dump flags as the library takes them: each flag lands in its
// option once, and the library's conventions (no retries is -1, raw NAND's
// own chunk) are applied here rather than by each caller.
func TestDumpOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    dumpFlags
		want backup.DumpOptions
	}{
		{"memory", dumpFlags{addr: 0x04000000, size: 1 << 20, chunk: 64 << 10, retries: 5, output: "a.bin", source: "mem"},
			backup.DumpOptions{Addr: 0x04000000, Size: 1 << 20, Source: dialect.Source{Kind: dialect.Mem}, Reader: backup.ReadAuto, ChunkSize: 64 << 10, Retries: 5, Output: "a.bin"}},
		{"no retries", dumpFlags{addr: 0, size: 16, chunk: 16, output: "a.bin", source: "mem", reader: "md", force: true, restart: true},
			backup.DumpOptions{Size: 16, Source: dialect.Source{Kind: dialect.Mem}, Reader: backup.ReadDump, ChunkSize: 16, Retries: -1, Output: "a.bin", Force: true, Restart: true}},
		{"all of a NAND, raw", dumpFlags{sizeAll: true, chunk: 64 << 10, retries: 1, output: "n.bin", source: "nand", raw: true, ram: 0x80000000, reader: "auto"},
			backup.DumpOptions{All: true, Source: dialect.Source{Kind: dialect.NAND}, RAM: 0x80000000, Raw: true, Reader: backup.ReadAuto, ChunkSize: 0, Retries: 1, Output: "n.bin"}},
		{"raw with its chunk given", dumpFlags{size: 1 << 20, chunk: 32 << 10, chunkSet: true, output: "n.bin", source: "nand", raw: true},
			backup.DumpOptions{Size: 1 << 20, Source: dialect.Source{Kind: dialect.NAND}, Raw: true, Reader: backup.ReadAuto, ChunkSize: 32 << 10, Retries: -1, Output: "n.bin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.f.options()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("options\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/sim"
)

const (
	demoBaud = 3_000_000
	demoSize = 1 << 20
	demoBase = 0x04000000
)

func (a *app) demoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Back up a simulated device end to end: no hardware needed",
		Long: `demo powers on a simulated camera running U-Boot on a pseudo-terminal, with
a sample firmware in its flash (a U-Boot kernel image, a romfs, erased space),
dumps the flash at a simulated 3 Mbaud line exactly as it would a real device,
and checks that the backup is identical.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.demo(cmd.Context()) },
	}
}

func (a *app) demo(ctx context.Context) error {
	img := sim.SampleFirmware(demoSize)
	dir, err := os.MkdirTemp("", "bootdump-demo-")
	if err != nil {
		return err
	}
	board, err := sim.ServePTY(sim.Config{Image: img, Base: demoBase, Baud: demoBaud})
	if err != nil {
		return err
	}
	defer board.Close()
	out := filepath.Join(dir, "backup.bin")
	fmt.Fprintf(a.stderr, "A simulated camera is running U-Boot on %s at %d baud, with %d KiB of flash at %#x.\n", board.Path, demoBaud, demoSize>>10, demoBase)
	fmt.Fprintf(a.stderr, "Backing it up as you would a real one:\n  bootdump dump -p %s -b %d --addr %#x --size %dK -o %s\n\n", board.Path, demoBaud, demoBase, demoSize>>10, out)
	f := dumpFlags{
		conn: connection{
			port: board.Path, baud: demoBaud, flow: "none", dialect: "uboot", stopKeys: "\\x03",
			syncTimeout: 30 * time.Second, idleTimeout: 10 * time.Second,
		},
		addr: demoBase, size: demoSize, chunk: 64 << 10, retries: 5, output: out, source: "mem",
	}
	if err := a.dump(ctx, &f); err != nil {
		return err
	}
	got, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, img) {
		return fmt.Errorf("the backup %s differs from the simulated flash", out)
	}
	fmt.Fprintf(a.stderr, "\nIdentical: the backup matches the device's flash byte for byte (sha256 %x).\n", sha256.Sum256(got))
	fmt.Fprintf(a.stderr, "The image is %s, and %s records how every chunk was verified.\n", out, filepath.Base(out)+".bootdump.json")
	return nil
}

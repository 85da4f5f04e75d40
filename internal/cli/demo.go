package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
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
	var tcp bool
	var keep string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Back up a simulated device end to end: no hardware needed",
		Long: `demo powers on a simulated camera running U-Boot on a pseudo-terminal, with
a sample firmware in its flash (a U-Boot kernel image, a romfs, erased space),
dumps the flash at a simulated 3 Mbaud line exactly as it would a real device,
and checks that the backup is identical. Where the system has no
pseudo-terminals (Windows), or with --tcp, the board is served on TCP at
127.0.0.1 instead, as ser2net serves a real one. The backup is made in a
temporary folder removed at the end, unless --keep names a folder for it.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.demo(cmd.Context(), tcp, keep) },
	}
	cmd.Flags().BoolVar(&tcp, "tcp", false, "serve the simulated board on TCP 127.0.0.1 instead of a pseudo-terminal")
	cmd.Flags().StringVar(&keep, "keep", "", "make the backup (and its record) in this folder, and keep it")
	return cmd
}

// demoBoard powers on the demo's board on a pseudo-terminal or, where
// there is none (or tcp asks), on TCP; it returns the port to dump from.
func (a *app) demoBoard(ctx context.Context, cfg sim.Config, tcp bool) (port, how string, stop func(), err error) {
	if !tcp {
		board, err := sim.ServePTY(cfg)
		if err == nil {
			return board.Path, "a pseudo-terminal", func() { board.Close() }, nil
		}
		if !errors.Is(err, sim.ErrNoPTY) {
			return "", "", nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	bound := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- sim.ListenTCP(ctx, "127.0.0.1:0", cfg, func(addr net.Addr, _ *sim.Board) { bound <- addr })
	}()
	select {
	case addr := <-bound:
		return "tcp://" + addr.String(), "TCP (no pseudo-terminal)", func() { cancel(); <-done }, nil
	case err := <-done:
		cancel()
		return "", "", nil, fmt.Errorf("serve the simulated board on TCP: %w", err)
	}
}

func (a *app) demo(ctx context.Context, tcp bool, keep string) error {
	img := sim.SampleFirmware(demoSize)
	dir := keep
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil { // --keep names where to keep it: made if need be
			return fmt.Errorf("--keep %s: %w", dir, err)
		}
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "bootdump-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	port, how, stop, err := a.demoBoard(ctx, sim.Config{Image: img, Base: demoBase, Baud: demoBaud}, tcp)
	if err != nil {
		return err
	}
	defer stop()
	out := filepath.Join(dir, "backup.bin")
	fmt.Fprintf(a.stderr, "A simulated camera is running U-Boot on %s, %s, at %d baud, with %d KiB of flash at %#x.\n", port, how, demoBaud, demoSize>>10, demoBase)
	fmt.Fprintf(a.stderr, "Backing it up as you would a real one:\n  bootdump dump -p %s -b %d --addr %#x --size %dK -o %s\n\n", port, demoBaud, demoBase, demoSize>>10, out)
	f := dumpFlags{
		conn: connection{
			port: port, baud: demoBaud, flow: "none", dialect: "uboot", stopKeys: "\\x03",
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
	if keep != "" {
		fmt.Fprintf(a.stderr, "The image is %s, and %s records how every chunk was verified.\n", out, filepath.Base(out)+".bootdump.json")
	} else {
		fmt.Fprintf(a.stderr, "The backup was made in a temporary folder, now removed (--keep DIR keeps it).\n")
	}
	return nil
}

package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
)

type verifyFlags struct {
	conn   connection
	addr   uint64
	chunk  uint64
	json   bool
	source string
	ram    uint64
}

func (a *app) verifyCommand() *cobra.Command {
	var f verifyFlags
	addr, chunk, ram := &numberFlag{v: &f.addr}, &numberFlag{v: &f.chunk}, &numberFlag{v: &f.ram}
	f.chunk, chunk.set = 64<<10, true
	cmd := &cobra.Command{
		Use:   "verify -p PORT [--addr A] FILE",
		Short: "Compare an image with the device by the device's own checksums, without dumping",
		Long: `verify compares FILE with the device's memory at ADDR chunk by chunk, using
only the bootloader's checksum command (crc32, cksum): nothing is dumped, so it takes seconds where a
dump takes hours. It prints "identical", or each differing range (narrowed
down to the byte where the difference is in one place), and exits 1 if any.`,
		Example: `  bootdump verify -p /dev/ttyUSB0 router-flash.bin     (a dump's own: the address is in its record)
  bootdump verify -p /dev/ttyUSB0 --addr 0x9f000000 router-flash.bin
  bootdump verify -p /dev/ttyUSB0 --source mtd:nor1 --addr 0 nor1.bin`,
		Args: oneArg("FILE, the image to compare"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !addr.set {
				// A dump's record says where its image came from.
				rec, err := dump.ReadRecord(dump.RecordPath(args[0]))
				if err != nil || rec == nil || rec.State != dump.StateComplete {
					return usagef("no address: give --addr, e.g. --addr 0x04000000 (%s has no finished dump record to take it from)", args[0])
				}
				f.addr = uint64(rec.Addr)
				if !cmd.Flags().Changed("source") && rec.Source != "" {
					f.source = rec.Source
				}
				a.log.Info(fmt.Sprintf("comparing with the device at %#x (%s), as %s records", f.addr, f.source, dump.RecordPath(args[0])))
			}
			return a.verify(cmd.Context(), &f, args[0])
		},
	}
	f.conn.flags(cmd)
	fl := cmd.Flags()
	fl.Var(addr, "addr", "device address of the image's first byte (default: what FILE's dump record says)")
	fl.Var(chunk, "chunk", "bytes per checksum")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	fl.StringVar(&f.source, "source", "mem", "where the image is: mem, or a flash read through RAM: sf[:BUS:CS], nand, mtd:NAME, mmc:DEV (--addr is the offset in it)")
	fl.Var(ram, "ram", "RAM address to copy flash to (default: loadaddr, or the middle of DRAM)")
	return cmd
}

func (a *app) verify(ctx context.Context, f *verifyFlags, path string) error {
	if err := f.conn.check(); err != nil {
		return err
	}
	img, n, err := openImage(path)
	if err != nil {
		return err
	}
	defer img.Close()
	size := uint64(n)
	switch {
	case size == 0:
		return fmt.Errorf("%s is empty: nothing to verify", path)
	case f.chunk == 0 || f.chunk > 1<<30:
		return usagef("chunk %d: give a size up to 1G, e.g. --chunk 64K", f.chunk)
	}
	src, err := dialect.ParseSource(f.source)
	if err != nil {
		return usageError{err}
	}
	if err := checkRange(f.addr, size); err != nil {
		return err
	}
	var sums dialect.Checksummer
	if src.Kind == "mem" {
		dev, done, err := f.conn.open(ctx, a, dialect.Options{Addr: f.addr, Size: size})
		if err != nil {
			return err
		}
		defer done()
		if err := dev.CheckRange(f.addr, size); err != nil {
			return err
		}
		if err := dev.CheckMapped(ctx, f.addr, size); err != nil {
			return err
		}
		c, ok := dev.Session.(dialect.Checksummer)
		if !ok || c.Algorithm().Sum == nil {
			return needs(dev, "verify: it has no checksum command; dump the range and compare the files instead")
		}
		sums = c
	} else {
		_, win, done, err := f.conn.flashWindow(ctx, a, src, f.chunk, f.ram)
		if err != nil {
			return err
		}
		defer done()
		if total := win.Size(); total != 0 && f.addr+size > total {
			return fmt.Errorf("%s (%d bytes) at %#x runs past the end of %s (%#x bytes)", path, size, f.addr, src, total)
		}
		sums = win
	}
	view := a.newProgressView("verify")
	diffs, err := dump.Verify(ctx, sums, f.addr, img, size, int(f.chunk), view.update)
	view.finish()
	if err != nil {
		return err
	}
	if f.json {
		enc := newJSON(a.stdout)
		enc.SetIndent("", "  ")
		if diffs == nil {
			diffs = []dump.Range{}
		}
		enc.Encode(map[string]any{"file": path, "addr": fmt.Sprintf("%#x", f.addr), "size": size, "identical": len(diffs) == 0, "differences": diffs})
	}
	// The result goes to standard output, unless JSON holds it there.
	results := a.stdout
	if f.json {
		results = a.stderr
	}
	if len(diffs) == 0 {
		fmt.Fprintf(results, "identical: the %d bytes at %#x match %s (by the device's %s)\n", size, f.addr, path, sums.Algorithm().Name)
		return nil
	}
	for _, d := range diffs {
		fmt.Fprintf(results, "differs: %v\n", d)
	}
	return fmt.Errorf("%s differs from the device in %d range(s), listed above", path, len(diffs))
}

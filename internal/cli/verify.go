package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
)

type verifyFlags struct {
	conn     connection
	unlisted bool
	addr     uint64
	chunk    uint64
	json     bool
	source   string
	ram      uint64
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
	fl.BoolVar(&f.unlisted, "unlisted", false, "check a range in none of the memory the bootloader lists")
	fl.Var(addr, "addr", "device address of the image's first byte (default: what FILE's dump record says)")
	fl.Var(chunk, "chunk", "bytes per checksum")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	fl.StringVar(&f.source, "source", "mem", "where the image is: mem, or a flash read through RAM: "+flashSources()+" (--addr is the offset in it)")
	cmd.RegisterFlagCompletionFunc("source", completeSources)
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
	if end := f.addr + size; end < f.addr && end != 0 {
		return usagef("%#x + %#x runs past the top of the address space", f.addr, size)
	}
	hint := dialect.Options{}
	if src.Kind == dialect.Mem {
		hint = dialect.Options{Addr: f.addr, Size: size}
	}
	dev, done, err := f.conn.open(ctx, a, hint)
	if err != nil {
		return err
	}
	defer done()
	dev.AllowUnlisted = f.unlisted
	view := a.newProgressView("verify")
	res, err := backup.Verify(ctx, dev, img, size, backup.VerifyOptions{Addr: f.addr, Source: src, RAM: f.ram, Chunk: int(f.chunk), Progress: view.update})
	view.finish()
	var flashErr *backup.CannotError
	var rng *backup.RangeError
	switch {
	case errors.As(err, &flashErr) && src.Kind != dialect.Mem && !strings.HasPrefix(flashErr.What, "verify"):
		return cannot(flashErr.Dialect, "read flash through RAM (--source "+src.String()+"): read its memory-mapped flash with --addr and --size")
	case errors.As(err, &flashErr):
		return cannot(flashErr.Dialect, "verify: it has no checksum command; dump the range and compare the files instead")
	case errors.As(err, &rng) && rng.Bank == nil:
		return fmt.Errorf("%s (%d bytes) at %#x runs past the end of %s (%#x bytes)", path, size, f.addr, src, rng.End)
	case err != nil:
		return withAdvice("verify", err)
	}
	diffs := res.Diffs
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
		fmt.Fprintf(results, "identical: the %d bytes at %#x match %s (by the device's %s)\n", size, f.addr, path, res.Algorithm)
		return nil
	}
	for _, d := range diffs {
		fmt.Fprintf(results, "differs: %v\n", d)
	}
	return fmt.Errorf("%s differs from the device in %d range(s), listed above", path, len(diffs))
}

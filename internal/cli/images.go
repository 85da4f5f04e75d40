package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/registry"
	"github.com/bootdump/bootdump/dump"
)

// dumpImages dumps images of the bootloader's image table: one by name to
// -o FILE, or all of them, each to -o DIR/NAME.
func (a *app) dumpImages(ctx context.Context, f *dumpFlags) error {
	if err := f.conn.check(); err != nil {
		return err
	}
	switch {
	case f.output == "":
		return usagef("no output: give -o FILE (or -o DIR with --image all)")
	case f.source != "mem":
		return usagef("--image reads the images the bootloader lists: leave out --source")
	case f.chunk < 16 || f.chunk%16 != 0 || f.chunk > 1<<30:
		return usagef("chunk %d: it must be a multiple of 16 bytes, e.g. --chunk 64K", f.chunk)
	}
	dev, done, err := f.conn.open(ctx, a, dialect.Options{})
	if err != nil {
		return err
	}
	defer done()
	it, ok := dev.Session.(dialect.ImageTabler)
	if !ok {
		return fmt.Errorf("%s keeps no image table: give --addr and --size (bootdump info lists what it has)", registry.Human(dev.Session.Identity().Dialect))
	}
	images, err := it.Images(ctx)
	if errors.Is(err, dialect.ErrUnsupported) {
		return fmt.Errorf("%v: give --addr and --size", err)
	}
	if err != nil {
		return err
	}
	if len(images) == 0 {
		return fmt.Errorf("the image table is empty: give --addr and --size")
	}
	var chosen []dialect.Image
	for _, im := range images {
		if f.image == "all" || im.Name == f.image {
			chosen = append(chosen, im)
		}
	}
	if len(chosen) == 0 {
		var names []string
		for _, im := range images {
			names = append(names, im.Name)
		}
		return fmt.Errorf("no image %q: the table lists %s", f.image, strings.Join(names, ", "))
	}
	outputs := map[string]string{}
	for _, im := range chosen {
		name := filepath.Base(im.Name)
		if name != im.Name || name == "." || name == ".." || im.Size == 0 {
			return fmt.Errorf("image %d has a name (%q) or size (%#x) that cannot be dumped to a file", im.Num, im.Name, im.Size)
		}
		out := f.output
		if f.image == "all" {
			if err := os.MkdirAll(f.output, 0o755); err != nil {
				return err
			}
			out = filepath.Join(f.output, name)
		}
		// Every output is checked before the first image is read.
		if err := dump.CheckOutput(out, im.Size, f.force); err != nil {
			return withAdvice("dump", err)
		}
		outputs[im.Name] = out
	}
	for _, im := range chosen {
		one := *f
		one.addr, one.size, one.output = im.Base, im.Size, outputs[im.Name]
		fmt.Fprintf(a.stderr, "image %d %s: %d bytes at %#x -> %s\n", im.Num, im.Name, im.Size, im.Base, one.output)
		opt, err := one.options()
		if err != nil {
			return err
		}
		entry := im
		opt.Image = &entry // the record keeps it: a restore can list it again
		view := a.newProgressView(im.Name)
		opt.Logger, opt.Progress = a.log, view.update
		job, err := backup.PrepareDump(opt)
		if err != nil {
			return withAdvice("dump", err)
		}
		err = a.runDump(ctx, &one, job, dev, view)
		job.Close()
		if err != nil {
			return fmt.Errorf("image %s: %w", im.Name, err)
		}
	}
	return nil
}

package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/internal/words"
)

type infoFlags struct {
	conn connection
	json bool
}

func (a *app) infoCommand() *cobra.Command {
	var f infoFlags
	cmd := &cobra.Command{
		Use:   "info -p PORT",
		Short: "Show the bootloader, its RAM, and the flash devices, partitions and images it can read",
		Long: `info stops the bootloader, says which one it is and why (its prompt, its
banner, or its answer to version), and asks it what it has: its version,
prompt, byte order and memory-display width. On U-Boot: its RAM (bdinfo) and
every flash device the mtd, sf, nand and mmc commands find, with sizes, erase
blocks, NAND bad blocks and the mtdparts partition table. On the Winbond boot
loader: the images LS lists. It changes nothing on the device.`,
		Example: `  bootdump info -p /dev/ttyUSB0
  bootdump info -p tcp://127.0.0.1:5555 --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.info(cmd.Context(), &f)
		},
	}
	f.conn.flags(cmd)
	cmd.Flags().BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	return cmd
}

func (a *app) info(ctx context.Context, f *infoFlags) error {
	if err := f.conn.check(); err != nil {
		return err
	}
	dev, done, err := f.conn.open(ctx, a, dialect.Options{})
	if err != nil {
		return err
	}
	defer done()
	describer, ok := dev.Session.(dialect.Describer)
	if !ok {
		return a.infoOther(ctx, f, dev.Session)
	}
	board, err := describer.Describe(ctx)
	if err != nil {
		return err
	}
	if f.json {
		enc := newJSON(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(board)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	id := board.Identity
	fmt.Fprintf(w, "bootloader\t%s\n", id.Version)
	fmt.Fprintf(w, "found by\t%s\n", cmp.Or(id.Detected, "the U-Boot line that version printed"))
	fmt.Fprintf(w, "prompt\t%q\n", id.Prompt)
	order := id.ByteOrder
	if order == "unknown" {
		order = "not yet known (the RAM read holds no telling pattern)"
	}
	fmt.Fprintf(w, "reads with\t%s (%d-bit addresses), checksum %s\n", id.Command, id.AddrBits, cmp.Or(id.Checksum, "none (chunks are read twice)"))
	fmt.Fprintf(w, "byte order\t%s\n", order)
	if board.RAMSize > 0 {
		fmt.Fprintf(w, "RAM\t%#x, %s (bdinfo); flash is copied to %#x\n", board.RAMStart, humanSize(board.RAMSize), board.LoadAddr)
	}
	w.Flush()
	fmt.Fprintln(a.stdout)
	if len(board.Flash) == 0 {
		fmt.Fprintln(a.stdout, "flash: none found")
	} else {
		w = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "SOURCE\tTYPE\tSIZE\tERASE BLOCK\tNOTES")
		for _, d := range board.Flash {
			notes := ""
			if m := d.Mapped; m != nil {
				notes = fmt.Sprintf("mapped at %#x..%#x (--addr %#x reads it directly)", *m, *m+d.Size-1, *m)
			}
			if d.PageSize > 1 {
				notes += fmt.Sprintf(", page %d", d.PageSize)
			}
			if len(d.BadBlocks) > 0 {
				notes += fmt.Sprintf(", %d bad blocks: %s", len(d.BadBlocks), words.HexList(d.BadBlocks))
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", sourceOf(d), d.Type, humanSize(d.Size), humanSize(d.EraseSize), strings.TrimPrefix(notes, ", "))
			for _, p := range d.Partitions {
				fmt.Fprintf(w, "  mtd:%s\tpartition of %s at %#x\t%s\t\t\n", p.Name, d.Name, p.Offset, humanSize(p.Size))
			}
		}
		w.Flush()
	}
	if board.Mtdparts != "" {
		fmt.Fprintf(a.stdout, "\nmtdparts=%s\n", board.Mtdparts)
	}
	if len(board.MissingCmd) > 0 {
		fmt.Fprintf(a.stdout, "\nnot in this build: %s\n", strings.Join(board.MissingCmd, ", "))
	}
	if len(board.Flash) > 0 {
		fmt.Fprintf(a.stdout, "\nto back one up: %s\n", backupCommand(f.conn, dev.Baud, board.Flash))
	}
	return nil
}

// backupCommand is the dump command info suggests: a flash the CPU maps
// read directly at its address (no copy through RAM), else the last
// device of a known size through its RAM window; at the rate the line
// runs at (the one -b auto found, too).
func backupCommand(c connection, baud int, flash []dialect.Flash) string {
	cmd := "bootdump dump -p " + shellQuote(c.port)
	if baud != 115200 && baud != 0 {
		cmd += fmt.Sprintf(" -b %d", baud)
	}
	for _, d := range flash {
		if d.Mapped != nil && d.Size > 0 {
			return fmt.Sprintf("%s --addr %#x --size %s -o %s.bin", cmd, *d.Mapped, sizeArg(d.Size), strings.ReplaceAll(d.Name, ":", "-"))
		}
	}
	d := flash[len(flash)-1]
	for _, f := range flash {
		if f.Size > 0 {
			d = f // the last whose size is known
		}
	}
	return fmt.Sprintf("%s --source %s --addr 0 --size all -o %s.bin", cmd, sourceOf(d), strings.ReplaceAll(d.Name, ":", "-"))
}

// sizeArg spells a size as --size takes it: 4M, 64K, or hex.
func sizeArg(n uint64) string {
	switch {
	case n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprintf("%#x", n)
}

// infoOther describes a bootloader that cannot list the board's flash:
// what it is, why it was taken for it, how it is read, and its image
// table if it has one.
func (a *app) infoOther(ctx context.Context, f *infoFlags, sess dialect.Session) error {
	id := sess.Identity()
	var images []dialect.Image
	err := dialect.ErrUnsupported
	if it, ok := sess.(dialect.ImageTabler); ok {
		images, err = it.Images(ctx)
	}
	if err != nil && !errors.Is(err, dialect.ErrUnsupported) {
		return err
	}
	if f.json {
		enc := newJSON(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"bootloader": id, "images": images})
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "bootloader\t%s (%s)\n", id.Dialect, cmp.Or(id.Version, "version not shown"))
	fmt.Fprintf(w, "found by\t%s\n", id.Detected)
	fmt.Fprintf(w, "prompt\t%q\n", id.Prompt)
	fmt.Fprintf(w, "reads with\t%s (%d-bit addresses), checksum %s\n", id.Command, id.AddrBits, cmp.Or(id.Checksum, "none (chunks are read twice)"))
	fmt.Fprintf(w, "byte order\t%s\n", cmp.Or(id.ByteOrder, "none needed (its dump prints bytes)"))
	w.Flush()
	if errors.Is(err, dialect.ErrUnsupported) {
		return nil
	}
	fmt.Fprintln(a.stdout)
	if len(images) == 0 {
		fmt.Fprintln(a.stdout, "images: none listed")
		return nil
	}
	w = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "IMAGE\tNAME\tBASE\tSIZE\tEXEC\tFLAGS")
	for _, im := range images {
		fmt.Fprintf(w, "%d\t%s\t%#x\t%#x (%s)\t%#x\t%s\n", im.Num, im.Name, im.Base, im.Size, humanSize(im.Size), im.Exec, im.Flags)
	}
	w.Flush()
	fmt.Fprintf(a.stdout, "\nto back them up: bootdump dump -p %s --image all -o images/\n", shellQuote(f.conn.port))
	return nil
}

// sourceOf is the --source that reads a device.
func sourceOf(d dialect.Flash) string {
	switch d.Kind {
	case dialect.NOR:
		return string(dialect.Mem) // read where it is mapped
	case dialect.NAND:
		return string(dialect.NAND)
	}
	return dialect.Source{Kind: d.Kind, Name: d.Name}.String()
}

// shellQuote quotes s for a shell when it needs it.
func shellQuote(s string) string {
	if strings.ContainsAny(s, "&?;|<>()$`\\\"' *") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// humanSize prints 0x2000000 as "32 MiB" when exact, else with a decimal.
func humanSize(n uint64) string {
	if n == 0 {
		return "?"
	}
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift {
			if n%(1<<u.shift) == 0 {
				return fmt.Sprintf("%d %s", n>>u.shift, u.name)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(uint64(1)<<u.shift), u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

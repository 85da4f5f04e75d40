package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/identify"
	"github.com/bootdump/bootdump/internal/words"
)

type identifyFlags struct {
	json    bool
	extract string
}

func (a *app) identifyCommand() *cobra.Command {
	var f identifyFlags
	cmd := &cobra.Command{
		Use:   "identify FILE",
		Short: "Tell what a firmware image holds and whether each part checks out",
		Long: `identify scans FILE for U-Boot images (legacy and FIT), device trees, gzip,
xz, LZMA, squashfs, romfs, cramfs, JFFS2, UBI, U-Boot environments, ELF files
and erased space, and checks each part with what its format offers: header
and data CRCs, hashes, decompression to the end, file system checksums.
Parts inside parts (the gzip in a uImage) are listed under their parent, and
an mtdparts table in an environment names the partitions.

Ranges no format covers are listed as not identified. FILE - reads standard
input.

Exit status 1 when a part is damaged, or when nothing at all is known.`,
		Example: `  bootdump identify router-flash.bin
  bootdump identify --json router-flash.bin | jq '.findings[] | select(.verdict != "ok")'
  bootdump identify --extract parts/ router-flash.bin`,
		Args: oneArg("FILE (or - for standard input)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.identify(cmd.Context(), &f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print the findings as JSON on stdout")
	fl.StringVar(&f.extract, "extract", "", "carve each part into `DIR`, and unpack squashfs and romfs trees there")
	return cmd
}

func (a *app) identify(ctx context.Context, f *identifyFlags, path string) error {
	var img io.ReaderAt
	var size int64
	if path == "-" {
		// Standard input: read whole, as the scan seeks.
		b, err := io.ReadAll(a.stdin)
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		img, size, path = bytes.NewReader(b), int64(len(b)), "standard input"
	} else {
		file, n, err := openImage(path)
		if err != nil {
			return err
		}
		defer file.Close()
		img, size = file, n
	}
	rep, err := identify.Scan(ctx, img, size, identify.Options{})
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if f.json {
		enc := newJSON(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if size > 0 { // an empty file gets its one sentence, no empty table
		fmt.Fprintf(a.stdout, "%s: %d bytes\n\n", path, size)
		if err := rep.WriteTable(a.stdout); err != nil {
			return err
		}
	}
	if f.extract != "" {
		written, err := identify.Extract(ctx, img, rep, f.extract)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "extracted %d parts into %s\n", len(written), f.extract)
	}
	if n := len(rep.Damaged()); n > 0 {
		return fmt.Errorf("%s has %s, listed above", path, words.Plural(n, "damaged part"))
	}
	if !rep.Known() {
		if size == 0 {
			return fmt.Errorf("%s is empty: there is nothing to identify", path)
		}
		return fmt.Errorf("nothing in %s is a format bootdump knows (nor erased space): it may be encrypted, compressed whole, or not firmware", path)
	}
	return nil
}

// openImage opens an image file for reading and tells its size.
func openImage(path string) (*os.File, int64, error) {
	img, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := img.Stat()
	if err == nil && st.IsDir() {
		err = fmt.Errorf("%s is a folder: give an image file", path)
	}
	if err != nil {
		img.Close()
		return nil, 0, err
	}
	return img, st.Size(), nil
}

// scanFile tells what the image file at path holds.
func scanFile(ctx context.Context, path string) (*identify.Report, error) {
	img, size, err := openImage(path)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	return identify.Scan(ctx, img, size, identify.Options{})
}

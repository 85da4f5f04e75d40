package identify

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
)

// fileExtension names carved files by their format.
var fileExtension = map[string]string{
	"uimage": ".uimage", "fit": ".itb", "fdt": ".dtb", "gzip": ".gz", "xz": ".xz",
	"lzma": ".lzma", "squashfs": ".squashfs", "romfs": ".romfs", "cramfs": ".cramfs",
	"jffs2": ".jffs2", "ubi": ".ubi", "uboot-env": ".env", "elf": ".elf",
}

// treeReader is a detector that can also read out the files of what it found.
type treeReader interface {
	readTree(r io.ReaderAt, f *Finding, dir string) error
}

// Extract carves every finding of rep (erased space aside) out of r into dir,
// named OFFSET-TYPE.EXT, and unpacks squashfs and romfs trees into a folder
// OFFSET-TYPE beside it. It writes no file over an existing one, and no file
// outside dir whatever names the image holds. It returns the paths written.
func Extract(ctx context.Context, r io.ReaderAt, rep *Report, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	var walk func([]Finding) error
	walk = func(fs []Finding) error {
		for i := range fs {
			f := &fs[i]
			if err := ctx.Err(); err != nil {
				return err
			}
			if f.Type == "erased" {
				continue
			}
			base := filepath.Join(dir, fmt.Sprintf("%08x-%s", f.Offset, f.Type))
			if err := carve(r, f, base+fileExtension[f.Type]); err != nil {
				return err
			}
			written = append(written, base+fileExtension[f.Type])
			if tr, ok := f.detector.(treeReader); ok && f.Verdict != Damaged {
				if err := tr.readTree(r, f, base); err != nil {
					return fmt.Errorf("unpacking the %s at 0x%x: %w", f.Type, f.Offset, err)
				}
				written = append(written, base+string(filepath.Separator))
			}
			if err := walk(f.Children); err != nil {
				return err
			}
		}
		return nil
	}
	err := walk(rep.Findings)
	return written, err
}

func carve(r io.ReaderAt, f *Finding, path string) error {
	return writeNew(path, io.NewSectionReader(r, f.Offset, f.Length))
}

// writeNew writes a new file, refusing to replace one.
func writeNew(path string, content io.Reader) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, iofs.ErrExist) {
			return fmt.Errorf("%s exists already: extract into an empty folder", path)
		}
		return err
	}
	if _, err := io.Copy(out, content); err != nil {
		out.Close()
		os.Remove(path)
		return err
	}
	return out.Close()
}

// localPath joins an image's path to dir, refusing names that would leave it.
func localPath(dir, name string) (string, error) {
	if !filepath.IsLocal(name) {
		return "", fmt.Errorf("the image names a file %q outside its tree: not written", name)
	}
	return filepath.Join(dir, name), nil
}

func (squashfsDetector) readTree(r io.ReaderAt, f *Finding, dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	_, err := squashfsWalk(r, f.Offset, f.Length, func(p string, d iofs.DirEntry, content io.Reader) error {
		dst, err := localPath(dir, p)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Mkdir(dst, 0o755)
		case content != nil:
			return writeNew(dst, content)
		}
		return nil // links and devices are listed, not made
	})
	return err
}

func (romfsDetector) readTree(r io.ReaderAt, f *Finding, dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	fs := romfs{r: io.NewSectionReader(r, f.Offset, f.Length), size: f.Length}
	_, first, err := fs.volume()
	if err != nil {
		return err
	}
	_, err = fs.walk(first, "", func(p string, kind int, content io.Reader) error {
		dst, err := localPath(dir, p)
		if err != nil {
			return err
		}
		switch kind {
		case romfsDir:
			return os.Mkdir(dst, 0o755)
		case romfsFile:
			return writeNew(dst, content)
		}
		return nil
	})
	return err
}

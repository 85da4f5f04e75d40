package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/restore"
)

// ImageRestoreOptions name the image of the bootloader's table to write.
type ImageRestoreOptions struct {
	// Name is the image's name in the table. Entry is its entry where the
	// table does not list it (an empty flash): a dump's record keeps the
	// entry of an image it read (dump --image).
	Name     string
	Entry    *dialect.Image
	Logger   *slog.Logger
	Progress func(done, total int, what string)
}

// NoImageError: the table lists no image of that name, and no entry was
// given for one.
type NoImageError struct {
	Name   string
	Listed []dialect.Image
}

func (e *NoImageError) Error() string {
	if len(e.Listed) == 0 {
		return fmt.Sprintf("the image table is empty, and nothing says where %s goes", e.Name)
	}
	var names []string
	for _, im := range e.Listed {
		names = append(names, im.Name)
	}
	return fmt.Sprintf("the image table lists no %s (it lists %s), and nothing says where it goes", e.Name, strings.Join(names, ", "))
}

// ImageRestorePlan is an image written into the bootloader's table.
type ImageRestorePlan struct {
	*restore.ImagePlan
	// Recorded: the entry came from ImageRestoreOptions.Entry (a record,
	// or the caller), the table not listing it.
	Recorded bool
	dev      restore.ImageDevice
	opt      ImageRestoreOptions
}

// PlanImageRestore finds the image in the bootloader's table (or takes
// the entry given), checks it fits, and compares the flash with img. It
// writes nothing.
func PlanImageRestore(ctx context.Context, dev *Device, img []byte, opt ImageRestoreOptions) (*ImageRestorePlan, error) {
	w, writes := dialect.WritesImages(dev.Session)
	iw, ok := w.(restore.ImageDevice)
	if !writes || !ok {
		return nil, &CannotError{Dialect: dev.Session.Identity(), What: "write images into a table"}
	}
	table, err := iw.Images(ctx)
	if errors.Is(err, dialect.ErrUnsupported) {
		return nil, &CannotError{Dialect: dev.Session.Identity(), What: "write images into a table"}
	}
	if err != nil {
		return nil, err
	}
	rp := &ImageRestorePlan{dev: iw, opt: opt}
	var want *dialect.Image
	for i := range table {
		if table[i].Name == opt.Name {
			want = &table[i]
		}
	}
	if want == nil && opt.Entry != nil && opt.Entry.Name == opt.Name {
		want, rp.Recorded = opt.Entry, true
	}
	if want == nil {
		return nil, &NoImageError{Name: opt.Name, Listed: table}
	}
	if rp.ImagePlan, err = restore.PlanImage(ctx, iw, table, *want, img); err != nil {
		return nil, err
	}
	return rp, nil
}

// Run writes the image as planned.
func (p *ImageRestorePlan) Run(ctx context.Context) (*restore.ImageResult, error) {
	return p.ImagePlan.Run(ctx, p.dev, restore.Options{Logger: p.opt.Logger, Progress: p.opt.Progress})
}

package restore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bootdump/bootdump/dialect"
)

// Writing a whole image into a bootloader's image table (the Winbond
// loader's FX): the bootloader takes the image by an upload and programs
// it itself. It deletes a listed image of the same number before that
// upload comes, so where there is one the image first goes to RAM (MX):
// an upload that fails there costs nothing, and one that works shows the
// line carries it. Then the table is listed again, and the image read
// back and compared, since the loader has no checksum command.

// ImageDevice is a bootloader that writes images into its table.
type ImageDevice interface {
	dialect.Session
	dialect.ImageWriter
}

// ImagePlan is the write of one image into the table.
type ImagePlan struct {
	Image dialect.Image  // as the table will list it
	Old   *dialect.Image // the listed image of its number, which it replaces
	// Same: the table lists it and the flash holds it already.
	Same bool
	// Stage and Write are the commands of the upload to RAM (only where
	// an old image is replaced) and of the write; Check how it is checked.
	Stage, Write, Check []string
	Way                 dialect.UploadWay
	data                []byte // the image as written: whole upload blocks
	readChars           float64
}

// PlanImage plans writing img as want (its number, name, base, exec and
// flags) into the table, which lists table now. It refuses an image that
// would land on the bootloader or another image, and compares what the
// flash holds, stopping at the first difference.
func PlanImage(ctx context.Context, dev ImageDevice, table []dialect.Image, want dialect.Image, img []byte) (*ImagePlan, error) {
	if len(img) == 0 {
		return nil, fmt.Errorf("the image is empty")
	}
	want.Size = dev.Listed(uint64(len(img)))
	area, block := dev.ImageArea()
	switch {
	case want.Base < area:
		return nil, fmt.Errorf("image %s at %#x would overwrite the bootloader's own flash (images start at %#x)", want.Name, want.Base, area)
	case want.Base%block != 0:
		return nil, fmt.Errorf("image %s at %#x does not start on a %#x-byte block, as the bootloader's images must", want.Name, want.Base, block)
	}
	p := &ImagePlan{Image: want, Way: dev.ImageUpload()}
	lo, hi := dev.ImageSpan(want)
	for i, im := range table {
		if im.Num == want.Num {
			if im.Name != want.Name {
				return nil, fmt.Errorf("image %d of the table is %s, not %s: writing %s as image %d would delete it", im.Num, im.Name, want.Name, want.Name, want.Num)
			}
			p.Old = &table[i]
			continue
		}
		if a, b := dev.ImageSpan(im); lo < b && a < hi {
			return nil, fmt.Errorf("image %s (%#x bytes at %#x, up to %#x with its table entry) would run into image %d %s at %#x..%#x", want.Name, want.Size, want.Base, hi, im.Num, im.Name, a, b-1)
		}
	}
	// The upload pads its last block; the table lists it whole.
	p.data = append(bytes.Clone(img), bytes.Repeat([]byte{0x1a}, int(want.Size)-len(img))...)
	p.readChars = float64(dev.LineChars(want.Base))/16 + 0.5 // a dump line's share of a byte, and the command around it
	stage, write := dev.ImageCommands(want, p.Old != nil)
	if p.Old != nil {
		p.Stage = stage
	}
	p.Write = write
	p.Check = []string{"(the table listed again)", fmt.Sprintf("(the %#x bytes at %#x read back and compared)", want.Size, want.Base)}
	if p.Old != nil && *p.Old == want {
		off, err := firstDifference(ctx, dev, want.Base, p.data)
		if err != nil {
			return nil, err
		}
		p.Same = off < 0
	}
	return p, nil
}

// Uploaded is what the plan uploads, in all.
func (p *ImagePlan) Uploaded() uint64 {
	if p.Same {
		return 0
	}
	n := uint64(len(p.data))
	if p.Old != nil {
		n *= 2 // to RAM first
	}
	return n
}

// Estimate is how long the plan takes at baud: its uploads, and reading
// the image back through the dump command.
func (p *ImagePlan) Estimate(baud int) time.Duration {
	if p.Same {
		return 0
	}
	uploads := 1
	if p.Old != nil {
		uploads = 2
	}
	read := time.Duration(float64(len(p.data)) * p.readChars / (float64(baud) / 10) * float64(time.Second))
	return p.Way.Time(p.Uploaded(), baud) + time.Duration(uploads)*p.Way.Wait + read
}

// ImageResult is what writing an image did.
type ImageResult struct {
	Staged   bool   // it went to RAM first
	Uploaded uint64 // bytes uploaded in all, tries again included
	Tries    int    // uploads the write took
	Checked  uint64 // bytes read back and compared
	Elapsed  time.Duration
}

// StageError: the upload to RAM failed; the flash was not touched. Listed
// says whether the table was seen to list the old image still, as it was.
type StageError struct {
	Command string
	Old     dialect.Image
	Listed  bool
	Err     error
	Again   error // why the table could not be listed again
}

func (e *StageError) Error() string {
	what := fmt.Sprintf("the upload to RAM failed: %v; the flash was not touched: ", e.Err)
	if e.Listed {
		return what + fmt.Sprintf("image %d %s is still listed at %#x, as it was", e.Old.Num, e.Old.Name, e.Old.Base)
	}
	return what + fmt.Sprintf("%s only fills RAM (the board did not answer again to show its table: %v)", e.Command, e.Again)
}

func (e *StageError) Unwrap() error { return e.Err }

// WriteError: the write failed; Deleted is the image it replaced, where
// the bootloader had deleted it first.
type WriteError struct {
	Command string
	Deleted *dialect.Image
	Err     error
}

func (e *WriteError) Error() string {
	if e.Deleted == nil {
		return fmt.Sprintf("%s failed: %v; run the same restore again", e.Command, e.Err)
	}
	return fmt.Sprintf("%s failed: %v; it had deleted image %d %s before its upload: the table lists no image %d now; run the same restore again to write it",
		e.Command, e.Err, e.Deleted.Num, e.Deleted.Name, e.Deleted.Num)
}

func (e *WriteError) Unwrap() error { return e.Err }

// ErrNotWritten: the image the bootloader said it wrote is not what the
// table lists, or not what the flash holds.
var ErrNotWritten = errors.New("the image was not written as it should be")

// Run writes the image: to RAM first where it replaces one, then the
// write, then the table and the flash checked.
func (p *ImagePlan) Run(ctx context.Context, dev ImageDevice, opt Options) (*ImageResult, error) {
	opt = opt.withDefaults()
	start := time.Now()
	res := &ImageResult{}
	if p.Same {
		return res, nil
	}
	if p.Old != nil {
		res.Staged = true
		err := retryUpload(ctx, dev, opt.Logger, p.Stage[0], func() error {
			res.Uploaded += uint64(len(p.data))
			return dev.StageImage(ctx, p.Image, p.data, opt.report("uploading to RAM"))
		})
		if err != nil {
			return res, p.stageFailed(ctx, dev, err)
		}
	}
	err := retryUpload(ctx, dev, opt.Logger, p.Write[0], func() error {
		res.Tries++
		res.Uploaded += uint64(len(p.data))
		return dev.WriteImage(ctx, p.Image, p.data, opt.report("uploading to flash"))
	})
	if err != nil {
		return res, p.writeFailed(ctx, dev, err)
	}
	table, err := dev.Images(ctx)
	if err != nil {
		return res, err
	}
	listed := false
	for _, im := range table {
		if im.Num == p.Image.Num {
			if im != p.Image {
				return res, fmt.Errorf("%w: the table lists image %d as %s, %#x bytes at %#x, exec %#x, -%s; not %s, %#x bytes at %#x, exec %#x, -%s",
					ErrNotWritten, im.Num, im.Name, im.Size, im.Base, im.Exec, im.Flags, p.Image.Name, p.Image.Size, p.Image.Base, p.Image.Exec, p.Image.Flags)
			}
			listed = true
		}
	}
	if !listed {
		return res, fmt.Errorf("%w: %s said nothing wrong, but the table lists no image %d", ErrNotWritten, p.Write[0], p.Image.Num)
	}
	if err := readBack(ctx, dev, p.Image.Base, p.data, opt.report("reading back")); err != nil {
		return res, err
	}
	res.Checked = uint64(len(p.data))
	res.Elapsed = time.Since(start)
	return res, nil
}

// writeFailed says what a failed write left: where it replaced an image,
// whether the bootloader had deleted it, by the table listed again (it is
// taken for deleted where the board does not answer).
func (p *ImagePlan) writeFailed(ctx context.Context, dev ImageDevice, err error) error {
	we := &WriteError{Command: p.Write[0], Err: err}
	if p.Old == nil {
		return we
	}
	we.Deleted = p.Old
	if backAtPrompt(ctx, dev) != nil {
		return we
	}
	if table, lerr := dev.Images(ctx); lerr == nil {
		for _, im := range table {
			if im == *p.Old {
				we.Deleted = nil
			}
		}
	}
	return we
}

// stageFailed says what a failed upload to RAM left, having listed the
// table again where the board answers.
func (p *ImagePlan) stageFailed(ctx context.Context, dev ImageDevice, err error) error {
	se := &StageError{Command: p.Stage[0], Old: *p.Old, Err: err}
	if se.Again = backAtPrompt(ctx, dev); se.Again != nil {
		return se
	}
	table, lerr := dev.Images(ctx)
	if lerr != nil {
		se.Again = lerr
		return se
	}
	for _, im := range table {
		se.Listed = se.Listed || im == *p.Old
	}
	if !se.Listed {
		se.Again = fmt.Errorf("its table no longer lists image %d as it was", p.Old.Num)
	}
	return se
}

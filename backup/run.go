package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"os"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/identify"
)

// Result is a finished backup: how the dump went and what the image holds.
type Result struct {
	*dump.Result
	// Contents is what identify found in the image (nil if it could not
	// look); the record keeps it too.
	Contents *identify.Report
	// ContentsErr says why Contents is nil.
	ContentsErr error
}

// Run reads every chunk job still lacks through dev, verified, writes the
// image, and tells what it holds. A damaged part does not fail the backup:
// the image is what the device holds, verified; Contents says what is
// wrong with it.
func Run(ctx context.Context, job *dump.Job, dev dialect.Reader, output string) (*Result, error) {
	res, err := job.Run(ctx, dev)
	out := &Result{Result: res}
	if err != nil {
		return out, err
	}
	out.Contents, out.ContentsErr = Identify(ctx, output)
	return out, nil
}

// Identify tells what the image file at path holds and keeps that in its
// record.
func Identify(ctx context.Context, path string) (*identify.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	rep, err := identify.Scan(ctx, f, st.Size(), identify.Options{})
	if err != nil {
		return nil, err
	}
	err = dump.UpdateRecord(path, func(r *dump.Record) error {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		err := enc.Encode(rep)
		r.Contents = bytes.TrimSpace(b.Bytes())
		return err
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

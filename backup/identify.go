package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"os"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/identify"
)

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

package identify_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"

	"github.com/bootdump/bootdump/identify"
)

// Tell what an image holds: here a gzip stream after 64 KiB of erased
// flash. Each part is checked as far as its format allows.
func ExampleScan() {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(bytes.Repeat([]byte("kernel "), 1000))
	w.Close()
	img := append(bytes.Repeat([]byte{0xff}, 64<<10), z.Bytes()...)
	rep, err := identify.Scan(context.Background(), bytes.NewReader(img), int64(len(img)), identify.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings {
		fmt.Printf("%#x %s %s\n", f.Offset, f.Type, f.Verdict)
	}
	// Output:
	// 0x0 erased ok
	// 0x10000 gzip ok
}

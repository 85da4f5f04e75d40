package identify

import (
	"bufio"
	"errors"
	"io"
)

// countingReader reads a section of the image byte by byte for decompressors
// and counts what they consumed: decompressors that get an io.ByteReader
// read no further than they need, so the count is where the stream ends.
type countingReader struct {
	br *bufio.Reader
	n  int64
}

func newCountingReader(r io.ReaderAt, off, end int64) *countingReader {
	return &countingReader{br: bufio.NewReaderSize(io.NewSectionReader(r, off, end-off), 64<<10)}
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.br.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// cappedWriter counts what a decompressor produced and stops it past limit,
// so a stream that decodes forever (a false hit) cannot hang a scan.
type cappedWriter struct {
	w     io.Writer
	n     int64
	limit int64
}

var errTooLarge = errors.New("decompressed size over the limit")

func (c *cappedWriter) Write(p []byte) (int, error) {
	if c.n+int64(len(p)) > c.limit {
		return 0, errTooLarge
	}
	c.n += int64(len(p))
	if c.w == nil {
		return len(p), nil
	}
	return c.w.Write(p)
}

// maxDecompressed bounds what a decompressor may produce during a scan.
const maxDecompressed = 1 << 30

// minEvidence is how far a stream must decode (input or output) before an
// error in it is reported as damage rather than taken for a chance match of
// the magic: garbage fails within a few bytes.
const minEvidence = 1 << 10

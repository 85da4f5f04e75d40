package xfer

import (
	"context"
	"fmt"
	"strings"
)

// srecData is the bytes of data an S-record carries: U-Boot's loads
// takes records of up to SREC_MAXBINLEN (255) bytes; 32 keeps a line
// under 80 characters, as terminal programs send them.
const srecData = 32

// SendSRecords sends data as Motorola S-records, the text format of
// U-Boot's loads (common/s_record.c): S3 records with 32-bit addresses
// counted from 0 (loads's offset argument places them), then an S7 end
// record. It is one way, no acknowledgements: a whole upload costs one
// round trip, where mw.l costs one a line. Records end in LF alone; an
// empty record would be skipped, but a CR LF pair costs a byte more.
func SendSRecords(ctx context.Context, line Line, data []byte, opt Options) error {
	opt = opt.withDefaults()
	if uint64(len(data)) > 1<<32 {
		return fmt.Errorf("%d bytes do not fit S3 records' 32-bit addresses", len(data))
	}
	var b strings.Builder
	for off := 0; off < len(data); off += srecData {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(off+srecData, len(data))
		b.Reset()
		writeSRecord(&b, '3', uint32(off), data[off:end])
		if _, err := line.Write([]byte(b.String())); err != nil {
			return err
		}
		if opt.Progress != nil && (off/srecData)%32 == 0 {
			opt.Progress(off, len(data))
		}
	}
	b.Reset()
	writeSRecord(&b, '7', 0, nil)
	if _, err := line.Write([]byte(b.String())); err != nil {
		return err
	}
	if opt.Progress != nil {
		opt.Progress(len(data), len(data))
	}
	return nil
}

// writeSRecord writes one record of type kind with a 4-byte address: the
// byte count (address, data and checksum), then the ones' complement of
// the low byte of the sum of the count, address and data bytes.
func writeSRecord(b *strings.Builder, kind byte, addr uint32, data []byte) {
	count := byte(4 + len(data) + 1)
	sum := count
	fmt.Fprintf(b, "S%c%02X%08X", kind, count, addr)
	for i := range 4 {
		sum += byte(addr >> (8 * i))
	}
	for _, c := range data {
		fmt.Fprintf(b, "%02X", c)
		sum += c
	}
	fmt.Fprintf(b, "%02X\n", ^sum)
}

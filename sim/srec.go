package sim

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// loads is U-Boot's S-record download (cmd/load.c's do_load_serial and
// load_serial, common/s_record.c's srec_decode): records read a line at
// a time without echo (loads_echo unset), each data record stored at its
// address plus the offset argument, a dot every 100 records, and the end
// record reports what arrived. A bad record or Ctrl-C aborts it.
func (b *uboot) loads(ctx context.Context, args []string) error {
	var offset uint64
	if len(args) > 1 {
		offset = b.hex(args[1])
	}
	b.out.puts("## Ready for S-Record download ...\n")
	b.out.flush()
	first, last, lines := ^uint64(0), uint64(0), 0
	for {
		rec, ok, err := b.record(ctx)
		if err != nil {
			return err
		}
		if !ok {
			b.out.puts("## S-Record download aborted\n")
			return nil
		}
		kind, addr, data, good := decodeSRecord(rec)
		switch {
		case kind == 0: // an empty line
			continue
		case !good:
			b.out.puts("## S-Record download aborted\n")
			return nil
		case kind >= '1' && kind <= '3':
			at := addr + offset
			b.abortIfUnmapped(at, uint64(len(data)))
			b.mem.write(at, data)
			first, last = min(first, at), max(last, at+uint64(len(data))-1)
		case kind >= '7' && kind <= '9':
			b.sleep(10 * time.Millisecond)
			size := last - first + 1
			b.out.puts(fmt.Sprintf("\n## First Load Addr = 0x%08X\n## Last  Load Addr = 0x%08X\n## Total Size      = 0x%08X = %d Bytes\n", first, last, size, size))
			b.mem.flushRange(first, size)
			b.env["filesize"] = strconv.FormatUint(size, 16)
			b.sleep(100 * time.Millisecond) // the trailing characters it gathers
			for b.ctrlc() {
			}
			b.out.puts(fmt.Sprintf("## Start Addr      = 0x%08X\n", addr))
			return nil
		}
		if lines++; lines%100 == 0 {
			b.out.putc('.')
			b.out.flush()
		}
	}
}

// record is read_record: a line up to CR or LF; NUL or Ctrl-C aborts.
func (b *uboot) record(ctx context.Context) (string, bool, error) {
	var buf []byte
	for {
		c, _, err := b.uart.key(ctx, 0)
		if err != nil {
			return "", false, err
		}
		switch c {
		case '\r', '\n':
			return string(buf), true, nil
		case 0, ctrlC:
			return "", false, nil
		}
		if len(buf) < 600 { // SREC_MAXRECLEN: a longer line is cut
			buf = append(buf, c)
		}
	}
}

// decodeSRecord is srec_decode: what precedes the 'S' is skipped; kind 0
// is a line with no record; good says the count and checksum hold.
func decodeSRecord(rec string) (kind byte, addr uint64, data []byte, good bool) {
	i := 0
	for i < len(rec) && rec[i] != 'S' {
		i++
	}
	if i+1 >= len(rec) {
		return 0, 0, nil, true
	}
	kind = rec[i+1]
	hexByte := func(j int) (byte, bool) {
		if j+2 > len(rec) {
			return 0, false
		}
		v, err := strconv.ParseUint(rec[j:j+2], 16, 8)
		return byte(v), err == nil
	}
	count, ok := hexByte(i + 2)
	if !ok {
		return kind, 0, nil, false
	}
	width := map[byte]int{'0': 2, '1': 2, '5': 2, '2': 3, '3': 4, '7': 4, '8': 3, '9': 2}[kind]
	if width == 0 || int(count) < width+1 {
		return kind, 0, nil, false
	}
	sum := count
	raw := make([]byte, count)
	for k := range raw {
		if raw[k], ok = hexByte(i + 4 + 2*k); !ok {
			return kind, 0, nil, false
		}
		sum += raw[k]
	}
	if sum != 0xff {
		return kind, 0, nil, false
	}
	for _, c := range raw[:width] {
		addr = addr<<8 | uint64(c)
	}
	return kind, addr, raw[width : len(raw)-1], true
}

package sim

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"
)

// The bytes of U-Boot's XMODEM/YMODEM receiver (common/xyzModem.c).
const (
	rxSOH = 0x01
	rxSTX = 0x02
	rxEOT = 0x04
	rxACK = 0x06
	rxNAK = 0x15
	rxCAN = 0x18
)

// errAborted: the host cancelled, or stopped answering.
type errAborted string

func (e errAborted) Error() string { return string(e) }

// load is loady and loadx: receive a file into RAM, as U-Boot does.
func (b *uboot) load(ctx context.Context, args []string) error {
	ymodem := args[0] == "loady"
	addr := b.hex(b.env["loadaddr"])
	if len(args) > 1 {
		addr = b.hex(args[1])
	}
	proto := "xmodem"
	if ymodem {
		proto = "ymodem"
	}
	b.out.puts(fmt.Sprintf("## Ready for binary (%s) download to 0x%08X at %d bps...\n", proto, addr, b.rate()))
	data, err := b.receive(ctx, ymodem)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if _, aborted := err.(errAborted); aborted {
		b.out.puts(fmt.Sprintf("\n%s\n## Binary (%s) download aborted\n", err, proto))
		return nil
	}
	if err != nil {
		return err
	}
	b.abortIfUnmapped(addr, uint64(len(data)))
	b.mem.write(addr, data)
	b.mem.flushRange(addr, uint64(len(data))) // as load_serial_ymodem does
	b.env["filesize"] = strconv.FormatUint(uint64(len(data)), 16)
	b.out.puts(fmt.Sprintf("## Total Size      = 0x%08x = %d Bytes\n## Start Addr      = 0x%08X\n", len(data), len(data), addr))
	return nil
}

// rxByte waits up to d for a byte from the host; a watchdog or a power
// cycle ends the transfer as it ends everything else.
func (b *uboot) rxByte(ctx context.Context, d time.Duration) (byte, bool, error) {
	return b.uart.key(ctx, d)
}

func (b *uboot) send(c byte) {
	b.out.putc(c)
	b.out.flush()
}

// receive runs the receiving side: 'C' until the host starts, each block
// checked (number, its complement, CRC-16) and ACKed or NAKed, the first
// EOT ACKed at once. YMODEM's block 0 gives the name and size (the file is
// cut to it) and an empty block 0 ends the batch; XMODEM's trailing 0x1A
// padding is stripped.
func (b *uboot) receive(ctx context.Context, ymodem bool) ([]byte, error) {
	var data []byte
	size := -1
	next := byte(1)
	header := ymodem // YMODEM waits for a block 0 first, and after each file
	if ymodem {
		next = 0
	}
	// xyzModem asks at once, then again after each 2 s without a byte
	// (and 0.75 s of delays), 20 times before it gives up.
	b.send('C')
	idle, cans := 0, 0
	for {
		c, ok, err := b.rxByte(ctx, 2750*time.Millisecond)
		if err != nil {
			return nil, err
		}
		if !ok {
			if idle++; idle > 20 {
				return nil, errAborted("Timed out")
			}
			b.send('C')
			continue
		}
		idle = 0
		switch c {
		case rxCAN:
			// a third CAN while waiting for a block cancels
			if cans++; cans == 3 {
				return nil, errAborted("Cancelled")
			}
			continue
		case rxEOT:
			b.send(rxACK)
			if !ymodem {
				return bytes.TrimRight(data, "\x1a"), nil
			}
			b.send('C') // the next file's block 0
			next, header = 0, true
			continue
		case rxSOH, rxSTX:
		default:
			continue // noise between blocks
		}
		cans = 0
		n := 128
		if c == rxSTX {
			n = 1024
		}
		block, good, err := b.rxBlock(ctx, n)
		if err != nil {
			return nil, err
		}
		seq := block[0]
		switch {
		case !good:
			b.send(rxNAK)
		case !header && seq == next-1:
			b.send(rxACK) // a repeat of a block whose ACK was lost
		case seq != next:
			b.send(rxNAK)
		case header:
			name, rest, _ := bytes.Cut(block[2:2+n], []byte{0})
			b.send(rxACK)
			if len(name) == 0 || size >= 0 {
				return data, nil // an empty block 0 (or a second file) ends the batch
			}
			field, _, _ := bytes.Cut(rest, []byte{0})
			field, _, _ = bytes.Cut(field, []byte{' '})
			size, _ = strconv.Atoi(string(field))
			// No 'C' for the data, unlike YMODEM's book: xyzModem
			// waits for block 1 (and asks after 2 s without one).
			next, header = 1, false
		default:
			payload := block[2 : 2+n]
			if size >= 0 {
				payload = payload[:min(n, max(0, size-len(data)))]
			}
			data = append(data, payload...)
			b.send(rxACK)
			next++
		}
	}
}

// rxBlock reads a block after its start byte: number, complement, n data
// bytes, CRC-16 (big-endian). good says whether it checks out.
func (b *uboot) rxBlock(ctx context.Context, n int) ([]byte, bool, error) {
	block := make([]byte, 2+n+2)
	for i := range block {
		c, ok, err := b.rxByte(ctx, time.Second)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return block, false, nil
		}
		block[i] = c
	}
	if block[0] != ^block[1] {
		return block, false, nil
	}
	return block, crc16(block[2:2+n]) == uint16(block[2+n])<<8|uint16(block[3+n]), nil
}

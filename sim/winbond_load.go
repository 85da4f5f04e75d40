package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The Winbond loader's uploads, as its sh.c, command.c and xmodem.c do:
// MX takes a file into RAM, FX takes one and programs it as an image of
// the table, BX takes one and burns it raw from the flash's start. All
// three receive by the loader's own XMODEM.

// Its XMODEM receiver (xmodem.c, the 128-byte build) waits 4 s before it
// first looks at the line (a fix for Linux hosts), then sends 'C' every
// so many idle polls until a block comes, and never gives up. A block
// whose number is not the next, or whose complement is wrong, cancels the
// transfer (five CANs); one whose CRC-16 is wrong is NAKed, but already
// counted: its bytes stay, and the block sent again lands after them.
// A byte that comes after a wait much longer than the one before is
// answered with an ACK first (delayCnt > oldDelay + 10000).
const (
	wbFirstWait = 4 * time.Second
	wbAskEvery  = 500 * time.Millisecond // 0x40000 idle polls
	wbLongerBy  = 5 * time.Millisecond   // 10000 idle polls
)

// xmodemStatus is how a transfer ended.
type xmodemStatus int

const (
	xmodemDone      xmodemStatus = iota
	xmodemCancelled              // the host sent CAN
	xmodemBroken                 // a block's number or complement was wrong
)

// winbondReceive receives into RAM at buf; it returns how many bytes it
// counted (whole blocks).
func (s *shell) winbondReceive(buf uint64) (uint64, xmodemStatus, error) {
	const (
		soh, eot, ack, nak, can = 0x01, 0x04, 0x06, 0x15, 0x18
	)
	get := s.getKey
	cancel := func() {
		for range 5 {
			s.out.putc(can)
		}
		s.out.flush()
	}
	s.sleep(wbFirstWait)
	var size uint64
	next := byte(1)
	started := false
	// The wait before each byte that starts a block (or ends the file),
	// and the one before.
	idleSince, lastWait := time.Now(), time.Duration(0)
	for {
		c, ok, err := s.key(wbAskEvery)
		if err != nil {
			return size, 0, err
		}
		if !ok {
			if !started {
				s.out.putc('C')
				s.out.flush()
			}
			continue
		}
		wait := time.Since(idleSince)
		if wait > lastWait+wbLongerBy {
			s.out.putc(ack)
			s.out.flush()
		}
		lastWait = wait
		idleSince = time.Now()
		switch c {
		case eot:
			s.out.putc(ack)
			s.out.flush()
			return size, xmodemDone, nil
		case can:
			return size, xmodemCancelled, nil
		case soh:
		default:
			continue
		}
		started = true
		num, err := get()
		if err != nil {
			return size, 0, err
		}
		if num != next {
			cancel()
			return size, xmodemBroken, nil
		}
		comp, err := get()
		if err != nil {
			return size, 0, err
		}
		if int(comp)+int(next) != 0xff {
			cancel()
			return size, xmodemBroken, nil
		}
		block := make([]byte, 130)
		for i := range block {
			if block[i], err = get(); err != nil {
				return size, 0, err
			}
		}
		s.mem.write(buf+size, block[:128])
		size += 128
		if crc16(block[:128]) == uint16(block[128])<<8|uint16(block[129]) {
			s.out.putc(ack)
			next++
		} else {
			s.out.putc(nak)
		}
		s.out.flush()
		idleSince = time.Now()
	}
}

// crc16 is XMODEM's CRC-16 (CCITT, 0x1021, from 0), as U-Boot's
// xyzModem and the Winbond loader's table compute it.
func crc16(data []byte) uint16 {
	var crc uint16
	for _, c := range data {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// validHex is the loader's validhex: 0x and one to eight hex digits.
func validHex(s string) (uint64, bool) {
	if len(s) < 3 || len(s) > 10 || s[0] != '0' || s[1] != 'x' && s[1] != 'X' {
		return 0, false
	}
	v, err := strconv.ParseUint(s[2:], 16, 32)
	return v, err == nil
}

// validDec is validdec and s2dec: digits only.
func validDec(s string) (uint32, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 32)
	return uint32(v), err == nil
}

// winbondMX is MX [0xADDR]: an upload to RAM (default 0x8000, asked for
// when no address is given).
func (s *shell) winbondMX(args []string) {
	dest := uint64(0x8000)
	if len(args) < 2 {
		s.out.puts("Please enter destination address (0x8000):")
		text, err := s.getAddress()
		if err != nil {
			return
		}
		if v, ok := validHex(text); ok {
			dest = v
		} else {
			s.out.puts(fmt.Sprintf("Image load address default to 0x%08x\n", dest))
		}
	} else {
		v, ok := validHex(args[1])
		if !ok {
			s.out.puts(fmt.Sprintf("Invalid hex address (%s)\n", args[1]))
			return
		}
		dest = v
	}
	s.out.puts("Waiting for download\nPress Ctrl-x to cancel ... \n")
	if _, status, err := s.winbondReceive(dest); err != nil || status != xmodemDone {
		s.out.puts("\nDownload error!\n")
		return
	}
	s.out.puts("\nDownload successed!\n")
}

// getAddress is GetAddress: up to ten echoed keys, until CR or LF.
func (s *shell) getAddress() (string, error) {
	var b []byte
	for {
		c, ok, err := s.key(0)
		if err != nil {
			return "", err
		}
		switch {
		case !ok:
		case c == '\r' || c == '\n':
			s.out.putc('\n')
			return string(b), nil
		case c == '\b':
			if len(b) > 0 {
				b = b[:len(b)-1]
				s.out.puts("\b \b")
			}
		case len(b) < 10:
			b = append(b, c)
			s.out.putc(c)
		}
	}
}

const fxUsage = "Usage: FX [ImageNo.] [ImageName] [base address] [exec address] -[a,c,x,f,z] -nofooter\n" +
	"\t\t-a \t\tActive image\n\t\t-c \t\tImage needs to be copy to RAM\n\t\t-x \t\tExecutable image\n" +
	"\t\t-f \t\tFile system image\n\t\t-z \t\tCompressed image\n\t\t-nofooter\tNo footer be written\n"

// winbondFX is FX n name 0xbase 0xexec -flags: an upload programmed as
// image n. An image of that number is deleted first, once the user says
// y; the upload goes to the exec address, or to the download buffer where
// that is in flash.
func (s *shell) winbondFX(args []string) {
	if len(args) < 6 {
		s.out.puts(fxUsage)
		return
	}
	var typ uint32
	for _, a := range args[1:] {
		if a == "-nofooter" || !strings.HasPrefix(a, "-") {
			continue
		}
		t, ok := wbTypeBits(a[1:])
		if !ok {
			s.out.puts(fxUsage)
			return
		}
		typ |= t
	}
	num, _ := validDec(args[1])
	if _, ok := s.findImage(num); ok {
		s.out.puts(fmt.Sprintf("Find image %d existed!\nDo you want to delete it?[y/N]\n", num))
		c, err := s.getKey()
		if err != nil || c != 'y' && c != 'Y' {
			return
		}
		s.out.puts(fmt.Sprintf("Deleting image %d ...\n", num))
		s.delImage(num)
	}
	base, ok1 := validHex(args[3])
	exec, ok2 := validHex(args[4])
	_, ok3 := validDec(args[1])
	if !ok1 || !ok2 || !ok3 {
		s.out.puts("ERROR: Invalid parameters!\n")
		return
	}
	f := footer{num: num, name: args[2], base: uint32(base), length: wbBlock, load: uint32(exec), exec: uint32(exec), typ: typ}
	if s.corrupt(f) {
		s.out.puts("ERROR: Data corrupted, please check the free space of flash.\n")
		return
	}
	s.out.puts("Waiting for download\nPress Ctrl-x to cancel ... \n")
	src := exec
	if src > s.mem.flashBase {
		src = wbDownload
	}
	size, status, err := s.winbondReceive(src)
	if err != nil || status != xmodemDone {
		s.out.puts("\nDownload error!\n")
		return
	}
	s.out.puts("\nFlash programming ...  \n")
	f.length = uint32(size)
	if !s.writeImage(f, src) {
		s.out.puts("ERROR: Write failed.\n")
	}
}

// winbondBX is BX: an upload burnt raw from the flash's start, erase
// block by erase block, then compared word by word with what came.
func (s *shell) winbondBX() {
	s.out.puts("Waiting for download ... \nPress Ctrl-x to cancel ... \n")
	size, status, err := s.winbondReceive(wbDownload)
	if err != nil || status != xmodemDone {
		s.out.puts("\nDownload error!\n")
		return
	}
	s.out.puts("\nFlash programming ")
	data := make([]byte, size)
	s.mem.read(wbDownload, data)
	for at := uint64(0); at < size; at += wbBlock {
		dest := s.mem.flashBase + at
		if s.blockSize(dest) == 0 {
			// Past the flash the driver's block size is 0, and BX's loop
			// never ends: the board takes no more keys until it is reset.
			for {
				if _, err := s.getKey(); err != nil {
					return
				}
			}
		}
		s.eraseBlock(dest)
		s.program(dest, data[at:min(at+wbBlock, size)])
		s.out.putc('.')
	}
	s.out.puts(" OK!\n")
	s.out.puts("Write data verifing ")
	back := make([]byte, 4)
	for i := uint64(0); i < size; i += 4 {
		if i&0xffff == 0 {
			s.out.putc('.')
		}
		s.mem.read(s.mem.flashBase+i, back)
		if string(back) != string(data[i:i+4]) {
			s.out.puts(fmt.Sprintf("ERROR: Data failed @ 0x%08x \n", s.mem.flashBase+i))
			return
		}
	}
	s.out.puts(" OK!\n")
}

// getKey is one ugetchar.
func (s *shell) getKey() (byte, error) {
	for {
		c, ok, err := s.key(0)
		if err != nil || ok {
			return c, err
		}
	}
}

package xfer

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kermit, as much of it as U-Boot's loadb receives: Send-Init, File-Header,
// Data, EOF and Break packets with the one-character checksum, control
// characters prefixed with '#', 8-bit bytes sent as they are.
const (
	kermitMark = 0x01 // SOH starts a packet
	kermitEOL  = '\r'
	kermitQCTL = '#'
	kermitMaxL = 94 // the longest packet without the long-packet extension
)

func tochar(x int) byte { return byte(x + 32) }
func unchar(c byte) int { return int(c) - 32 }

// kermitCheck is the type 1 block check over a packet from LEN to the end
// of DATA.
func kermitCheck(b []byte) byte {
	s := 0
	for _, c := range b {
		s += int(c)
	}
	return tochar((s + (s&192)>>6) & 63)
}

// kermitPacket builds one packet.
func kermitPacket(seq int, typ byte, data []byte) []byte {
	p := []byte{kermitMark, tochar(len(data) + 3), tochar(seq % 64), typ}
	p = append(p, data...)
	p = append(p, kermitCheck(p[1:]), kermitEOL)
	return p
}

// kermitEncode prefixes control characters (with or without the 8th bit)
// and the prefix itself; it returns the encoded bytes and how many input
// bytes they hold, up to room encoded bytes.
func kermitEncode(data []byte, room int) ([]byte, int) {
	var out []byte
	n := 0
	for _, c := range data {
		var enc []byte
		switch low := c & 0x7f; {
		case low < 32 || low == 127:
			enc = []byte{kermitQCTL, c ^ 64}
		case low == kermitQCTL:
			enc = []byte{kermitQCTL, c}
		default:
			enc = []byte{c}
		}
		if len(out)+len(enc) > room {
			break
		}
		out = append(out, enc...)
		n++
	}
	return out, n
}

// SendKermit sends data by Kermit to a receiver that waits for the sender
// (U-Boot's loadb).
func SendKermit(ctx context.Context, line Line, name string, data []byte, opt Options) error {
	s := &kermitSender{line: line, opt: opt.withDefaults()}
	// Send-Init: MAXL, TIME, NPAD, PADC, EOL, QCTL.
	init := []byte{tochar(kermitMaxL), tochar(5), tochar(0), 0 ^ 64, tochar(kermitEOL), kermitQCTL}
	if err := s.send(ctx, 'S', init); err != nil {
		return fmt.Errorf("send-init: %w", err)
	}
	if err := s.send(ctx, 'F', []byte(name)); err != nil {
		return fmt.Errorf("file header: %w", err)
	}
	room := kermitMaxL - 5 // LEN SEQ TYPE ... CHECK, and a margin for a prefixed pair
	for off := 0; off < len(data); {
		enc, n := kermitEncode(data[off:], room)
		if err := s.send(ctx, 'D', enc); err != nil {
			return fmt.Errorf("data at byte %d: %w", off, err)
		}
		off += n
		if s.opt.Progress != nil {
			s.opt.Progress(off, len(data))
		}
	}
	if err := s.send(ctx, 'Z', nil); err != nil {
		return fmt.Errorf("end of file: %w", err)
	}
	if err := s.send(ctx, 'B', nil); err != nil {
		return fmt.Errorf("end of transfer: %w", err)
	}
	return nil
}

type kermitSender struct {
	line Line
	opt  Options
	seq  int
}

// send sends one packet until the receiver ACKs it ('Y' with its number).
func (s *kermitSender) send(ctx context.Context, typ byte, data []byte) error {
	p := kermitPacket(s.seq, typ, data)
	for try := 1; try <= s.opt.Retries; try++ {
		if _, err := s.line.Write(p); err != nil {
			return err
		}
		ackTyp, seq, err := s.answer(ctx)
		switch {
		case err != nil && !errors.Is(err, ErrTimeout):
			return err
		case err == nil && ackTyp == 'Y' && seq == s.seq%64:
			s.seq++
			return nil
		case err == nil && ackTyp == 'E':
			return fmt.Errorf("%w (an error packet)", ErrCancelled)
		}
		s.opt.Logger.Debug("kermit packet not acknowledged; sending it again", "type", string(typ), "seq", s.seq, "try", try)
	}
	return ErrRetries
}

// answer reads the receiver's next packet: its type and number.
func (s *kermitSender) answer(ctx context.Context) (byte, int, error) {
	for {
		c, err := s.line.Next(ctx, s.opt.Timeout)
		if err != nil {
			return 0, 0, err
		}
		if c != kermitMark {
			continue // the receiver's banner, echoes
		}
		l, err := s.line.Next(ctx, s.opt.Timeout)
		if err != nil {
			return 0, 0, err
		}
		n := unchar(l)
		if n < 3 || n > kermitMaxL {
			continue
		}
		body := []byte{l}
		for range n {
			c, err := s.line.Next(ctx, time.Second)
			if err != nil {
				return 0, 0, err
			}
			body = append(body, c)
		}
		if kermitCheck(body[:len(body)-1]) != body[len(body)-1] {
			return 'N', -1, nil // damaged: as good as a NAK
		}
		return body[2], unchar(body[1]), nil
	}
}

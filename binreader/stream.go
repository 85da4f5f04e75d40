package binreader

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// The stream's bytes: see device/reader.c.
const (
	flag   = 0x7e // starts a frame, and nothing else
	escape = 0x7d // the next byte is escaped: xor 0x20
	quit   = 'Q'
	ctrlC  = 3
)

// ackOf says that every block up to num arrived; goBackTo that every
// block before num did, and the reader goes on from num. The reader
// decodes num mod 64 within its window of 32.
func ackOf(num uint32) byte    { return 0x80 | byte(num&63) }
func goBackTo(num uint32) byte { return 0xc0 | byte(num&63) }

var calibrationMark = []byte("BDRD")

// InLog says whether a console log holds a stream: the calibration, each
// byte value from 0 on, raw, after its mark.
func InLog(log []byte) bool {
	return bytes.Contains(log, append(bytes.Clone(calibrationMark), 0, 1, 2, 3))
}

// Stats says what a stream took.
type Stats struct {
	Blocks     int // blocks received and acknowledged
	Erased     int // of them, told as all 0xFF or all 0x00 in a few bytes
	Repeated   int // of them, told as the bytes before them again
	Compressed int // of them, sent deflated (ModeStreamCompressed)
	// Sent counts the frames' bytes as the reader sent them, before
	// escaping: what the stream's kinds of frames made of the Blocks'
	// bytes (the compression ratio is bytes received over Sent).
	Sent          int64
	Retransmitted int    // times the reader was asked to go back (a damaged, lost or cut-short block)
	Escaped       []byte // the byte values the console changes, sent escaped
}

// ErrConsole: the console's putc changes bytes in a way the stream cannot
// work around.
var ErrConsole = errors.New("the console changes bytes the reader needs unchanged")

// Line is the serial line as the stream needs it: bytes one at a time,
// each within a time limit (ErrTimeout when none came), and writes.
type Line interface {
	Next(ctx context.Context, wait time.Duration) (byte, error)
	Write(p []byte) (int, error)
}

// ErrTimeout: nothing came within the time limit.
var ErrTimeout = errors.New("nothing came in time")

// ErrSilent: the reader stopped sending.
var ErrSilent = errors.New("the reader went silent")

// maxSilences is how many idle timeouts in a row end a stream, and
// maxAgain how many times one block may be asked for.
const (
	maxSilences = 4
	maxAgain    = 16
)

// Receive runs the host's side of a ModeStream run of len(dst) bytes into
// dst (see Stream); progress, if set, is told the bytes received after
// each block.
func Receive(ctx context.Context, line Line, dst []byte, idle time.Duration, progress func(n int)) (Stats, error) {
	off := 0
	return Stream(ctx, line, len(dst), idle, func(data []byte) error {
		off += copy(dst[off:], data)
		if progress != nil {
			progress(off)
		}
		return nil
	})
}

// Stream runs the host's side of a ModeStream run: it learns from the
// calibration which bytes the console's putc changes (U-Boot's serial
// sends "\r\n" for '\n'), tells the reader to escape them, then takes
// size bytes in blocks, each checked by its CRC-32 and number, handed to
// take in order and acknowledged, while the reader goes on sending. After
// a damaged, missing or cut-short block (or silence) the reader is sent
// back to the first block missing. Bytes before the calibration (the
// command's echo, U-Boot's "## Starting application") are skipped. An
// error from take stops the reader, and Stream returns it. take must not
// keep data past its call.
func Stream(ctx context.Context, line Line, size int, idle time.Duration, take func(data []byte) error) (Stats, error) {
	src := &pushback{ctx: ctx, line: line}
	var st Stats
	unsafe, err := calibrate(src, idle*4)
	if err != nil {
		return st, err
	}
	for v := range unsafe {
		if unsafe[v] {
			st.Escaped = append(st.Escaped, byte(v))
		}
	}
	if err := needed(unsafe); err != nil {
		line.Write([]byte{quit})
		return st, err
	}
	var mask [32]byte
	for v := range unsafe {
		if unsafe[v] {
			mask[v>>3] |= 1 << (v & 7)
		}
	}
	if _, err := fmt.Fprintf(line, "%x", mask[:]); err != nil {
		return st, err
	}
	f := &frames{src: src, idle: idle}
	var last []byte // the block before: a repeat is of its last n bytes
	var dict window // the bytes before: a compressed block's dictionary
	silences, again := 0, 0
	wentBack := false // since the block wanted last came
	back := func() error {
		if wentBack {
			return nil
		}
		wentBack = true
		st.Retransmitted++
		again++
		_, err := line.Write([]byte{goBackTo(uint32(st.Blocks))})
		return err
	}
	for off, num := 0, uint32(0); off < size; {
		if again > maxAgain {
			line.Write([]byte{quit})
			return st, fmt.Errorf("block %d came damaged %d times in a row: the line is too noisy, or the console changes bytes the calibration did not show", num, again)
		}
		fr, err := f.next()
		switch {
		case errors.Is(err, ErrTimeout):
			// A byte was lost, or an answer was: go back, again.
			if silences++; silences == maxSilences {
				return st, fmt.Errorf("%w: nothing for %v after block %d", ErrSilent, time.Duration(maxSilences)*idle, num)
			}
			wentBack = false
			err = back()
		case err != nil:
			return st, err
		case fr.num != num && fr.ok && !fr.end:
			// One sent before the reader went back, or after one lost:
			// go back once, then wait for it.
			silences = 0
			if fr.num > num {
				err = back()
			}
		case !fr.ok || fr.end:
			silences = 0
			err = back()
		default:
			silences = 0
			data := fr.data
			if fr.repeat {
				if len(last) < fr.n || crc32.ChecksumIEEE(last[len(last)-fr.n:]) != fr.sum {
					// A damaged header, or the bytes before differ.
					err = back()
					break
				}
				data = last[len(last)-fr.n:]
				st.Repeated++
			}
			if fr.compressed {
				if data, err = dict.inflate(fr.data, fr.n); err != nil || crc32.ChecksumIEEE(data) != fr.sum {
					err = back() // damaged, in a way its own crc could not tell
					break
				}
				st.Compressed++
			}
			if off+len(data) > size {
				line.Write([]byte{quit})
				return st, fmt.Errorf("block %d runs past the %d bytes asked for", num, size)
			}
			if fr.fill {
				st.Erased++
			}
			if err := take(data); err != nil {
				line.Write([]byte{quit})
				return st, err
			}
			last = append(last[:0], data...)
			dict.add(data)
			st.Sent += int64(fr.sent)
			off += len(data)
			num++
			st.Blocks++
			again, wentBack = 0, false
			_, err = line.Write([]byte{ackOf(fr.num)})
		}
		if err != nil {
			return st, err
		}
	}
	// The end mark. Lost, or the last acknowledgement was: the reader
	// may wait for one, and a Ctrl-C ends it (U-Boot, should the reader
	// have ended, takes Ctrl-C as an empty line).
	for timeouts := 0; ; {
		fr, err := f.next()
		switch {
		case err == nil && fr.end:
			return st, nil
		case errors.Is(err, ErrTimeout) && timeouts == 0:
			timeouts++
			if _, err := line.Write([]byte{goBackTo(uint32(st.Blocks))}); err != nil {
				return st, nil
			}
		case errors.Is(err, ErrTimeout):
			line.Write([]byte{ctrlC})
			return st, nil
		case err != nil:
			return st, nil
		}
	}
}

// calibrate reads the reader's calibration, every byte value once between
// two marks, and says which values did not come through as themselves.
func calibrate(src *pushback, wait time.Duration) (unsafe [256]bool, err error) {
	if err := src.skipPast(calibrationMark, wait); err != nil {
		return unsafe, fmt.Errorf("no calibration from the reader: %w", err)
	}
	var body []byte
	for !endsWith(body, calibrationMark) {
		b, err := src.next(wait)
		if err != nil {
			return unsafe, fmt.Errorf("the calibration was cut short after %d bytes: %w", len(body), err)
		}
		if body = append(body, b); len(body) > 8*256 {
			return unsafe, fmt.Errorf("%w: the calibration never ended", ErrConsole)
		}
	}
	body = body[:len(body)-len(calibrationMark)]
	// What came for value v runs up to where v+1 shows (a console adds
	// bytes around some values, or drops them). A value is safe when it
	// came as itself alone.
	k := 0
	for v := 0; v < 256; v++ {
		j := len(body)
		if v < 255 {
			j = -1
			for i := k; i < min(k+8, len(body)); i++ {
				if body[i] == byte(v+1) {
					j = i
					break
				}
			}
			if j < 0 { // v+1 was dropped: judge v alone
				unsafe[v] = unsafe[v] || k >= len(body) || body[k] != byte(v)
				if !unsafe[v] {
					k++
				}
				continue
			}
		}
		got := body[k:j]
		unsafe[v] = unsafe[v] || len(got) != 1 || got[0] != byte(v)
		if len(got) > 1 && v < 255 {
			// Whether the bytes after v are v's ("\n\r") or come
			// before v+1 ("\r\n") cannot be told apart: both are
			// escaped.
			unsafe[v+1] = true
		}
		k = j
	}
	return unsafe, nil
}

// needed checks that what the stream cannot escape comes through: the
// frame and escape bytes, the frame kinds, and the escaped forms.
func needed(unsafe [256]bool) error {
	for _, b := range []byte{flag, escape, 'B', 'F', 'R', 'Z', 'E'} {
		if unsafe[b] {
			return fmt.Errorf("%w: %#02x does not come through", ErrConsole, b)
		}
	}
	unsafe[flag], unsafe[escape] = true, true
	for v := range unsafe {
		if unsafe[v] && unsafe[v^0x20] {
			return fmt.Errorf("%w: neither %#02x nor its escaped form %#02x comes through", ErrConsole, v, v^0x20)
		}
	}
	return nil
}

func endsWith(b, suffix []byte) bool {
	return len(b) >= len(suffix) && string(b[len(b)-len(suffix):]) == string(suffix)
}

// frame is one block as it came, or the end mark.
type frame struct {
	num    uint32
	data   []byte
	ok     bool // complete, and its CRC matched (a repeat's is checked by Receive)
	end    bool
	fill   bool // data is one byte value told once
	repeat bool // the n bytes before it again, their CRC sum
	// compressed: data is n bytes deflated, their CRC sum (checked by
	// Stream, which has the dictionary).
	compressed bool
	n          int    // a repeat's or a compressed block's length
	sum        uint32 // a repeat's or a compressed block's CRC
	sent       int    // the frame's bytes, unescaped
}

// frames reads frames from a source.
type frames struct {
	src  *pushback
	idle time.Duration
	buf  []byte
	fill []byte // the last fill's bytes, kept for the next
}

// errFlag: a frame byte in the middle of a frame: a new frame starts.
var errFlag = errors.New("frame byte inside a frame")

// next returns the next frame: a damaged one comes back not ok.
func (f *frames) next() (frame, error) {
	for {
		b, err := f.src.next(f.idle)
		if err != nil {
			return frame{}, err
		}
		if b != flag {
			continue // the rest of a damaged frame, or junk
		}
		fr, err := f.body()
		if errors.Is(err, errFlag) {
			f.src.unread(flag)
			return frame{}, nil // cut short: not ok
		}
		return fr, err
	}
}

func (f *frames) body() (frame, error) {
	kind, err := f.src.next(f.idle)
	if err != nil {
		return frame{}, err
	}
	switch kind {
	case 'E':
		return frame{end: true, ok: true}, nil
	case 'B', 'F', 'R', 'Z':
	default:
		return frame{}, nil
	}
	num, err := f.u32()
	if err != nil {
		return frame{}, err
	}
	n, err := f.u32()
	if err != nil {
		return frame{}, err
	}
	if n == 0 || n > 1<<20 {
		return frame{num: num}, nil // a damaged length
	}
	var data []byte
	switch kind {
	case 'B', 'Z':
		size := n
		if kind == 'Z' {
			if size, err = f.u32(); err != nil {
				return frame{}, err
			}
			if size == 0 || size >= n {
				return frame{num: num}, nil // a damaged length: never sent so
			}
		}
		if cap(f.buf) < int(size) {
			f.buf = make([]byte, size)
		}
		data = f.buf[:size]
		for i := range data {
			if data[i], err = f.byte(); err != nil {
				return frame{}, err
			}
		}
	case 'F':
		fill, err := f.byte()
		if err != nil {
			return frame{}, err
		}
		if cap(f.fill) < int(n) || f.fill[0] != fill {
			f.fill = bytes.Repeat([]byte{fill}, max(int(n), 4096))
		}
		data = f.fill[:n]
	}
	crc, err := f.u32()
	if err != nil {
		return frame{}, err
	}
	sent := 2 + 4 + 4 + 4 + len(data) // the flag, the kind, num, len, crc
	switch kind {
	case 'R':
		return frame{num: num, ok: true, repeat: true, n: int(n), sum: crc, sent: sent}, nil
	case 'Z':
		return frame{num: num, data: data, ok: true, compressed: true, n: int(n), sum: crc, sent: sent + 4}, nil
	case 'F':
		sent = 2 + 4 + 4 + 1 + 4
	}
	return frame{num: num, data: data, fill: kind == 'F', ok: crc == crc32.ChecksumIEEE(data), sent: sent}, nil
}

// dictSize is how much of the stream before a compressed block its
// deflate dictionary holds (reader.c's DICT).
const dictSize = 16 << 10

// window keeps the last dictSize bytes of a stream.
type window struct {
	buf []byte
	out []byte // the last block inflated
	src bytes.Reader
	dec io.ReadCloser // a flate reader, reset for each block (one costs ~40 KiB)
}

func (w *window) add(data []byte) {
	w.buf = append(w.buf, data...)
	if len(w.buf) > 2*dictSize {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-dictSize:]...)
	}
}

// inflate decodes one compressed block of n bytes with the stream before
// it as its dictionary. The result is valid until the next call.
func (w *window) inflate(deflated []byte, n int) ([]byte, error) {
	dict := w.buf[max(0, len(w.buf)-dictSize):]
	if cap(w.out) < n {
		w.out = make([]byte, n)
	}
	out := w.out[:n]
	w.src.Reset(deflated)
	if w.dec == nil {
		w.dec = flate.NewReaderDict(&w.src, dict)
	} else if err := w.dec.(flate.Resetter).Reset(&w.src, dict); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(w.dec, out); err != nil {
		return nil, err
	}
	return out, nil
}

// byte reads one data byte, unescaped.
func (f *frames) byte() (byte, error) {
	b, err := f.src.next(f.idle)
	switch {
	case err != nil:
		return 0, err
	case b == flag:
		return 0, errFlag
	case b != escape:
		return b, nil
	}
	b, err = f.src.next(f.idle)
	switch {
	case err != nil:
		return 0, err
	case b == flag:
		return 0, errFlag
	}
	return b ^ 0x20, nil
}

func (f *frames) u32() (uint32, error) {
	var v uint32
	for range 4 {
		b, err := f.byte()
		if err != nil {
			return 0, err
		}
		v = v<<8 | uint32(b)
	}
	return v, nil
}

// pushback reads a Line, and takes a byte back.
type pushback struct {
	ctx  context.Context
	line Line
	back []byte
}

func (s *pushback) unread(b byte) { s.back = append(s.back, b) }

func (s *pushback) next(wait time.Duration) (byte, error) {
	if n := len(s.back); n > 0 {
		b := s.back[n-1]
		s.back = s.back[:n-1]
		return b, nil
	}
	return s.line.Next(s.ctx, wait)
}

// NewLine makes a Line of a reader and a writer (pipes, a socket): a
// goroutine reads r until it ends or ctx is done.
func NewLine(ctx context.Context, r io.Reader, w io.Writer) Line {
	l := &pipeLine{w: w, chunks: make(chan []byte, 64)}
	go func() {
		defer close(l.chunks)
		for {
			buf := make([]byte, 4096)
			n, err := r.Read(buf)
			if n > 0 {
				select {
				case l.chunks <- buf[:n]:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				l.err = err // read after the close
				return
			}
		}
	}()
	return l
}

type pipeLine struct {
	w       io.Writer
	chunks  chan []byte
	err     error
	pending []byte
}

func (l *pipeLine) Write(p []byte) (int, error) { return l.w.Write(p) }

func (l *pipeLine) Next(ctx context.Context, wait time.Duration) (byte, error) {
	for len(l.pending) == 0 {
		t := time.NewTimer(wait)
		select {
		case c, ok := <-l.chunks:
			t.Stop()
			if !ok {
				if l.err == nil {
					return 0, io.EOF
				}
				return 0, l.err
			}
			l.pending = c
		case <-t.C:
			return 0, ErrTimeout
		case <-ctx.Done():
			t.Stop()
			return 0, ctx.Err()
		}
	}
	b := l.pending[0]
	l.pending = l.pending[1:]
	return b, nil
}

// skipPast reads until mark has gone by.
func (s *pushback) skipPast(mark []byte, wait time.Duration) error {
	var seen []byte
	for !endsWith(seen, mark) {
		b, err := s.next(wait)
		if err != nil {
			return err
		}
		seen = append(seen, b)
		if len(seen) > 4096 {
			seen = seen[len(seen)-len(mark):]
		}
	}
	return nil
}

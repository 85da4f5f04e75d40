package sim

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/bootdump/bootdump/binreader"
)

// The simulated board has no CPU: when bootm or go calls one of bootdump's
// binary readers (recognised by its code, whatever its parameter block
// holds), the board does what the reader's C source does
// (binreader/device/reader.c), through U-Boot's console as the real
// program would, so that every path of the host's side runs without QEMU.
// The machine code itself is proven on real CPUs (binreader's tests).

// The reader's parameter block (struct params in reader.c): its first word
// and the index of each word.
const paramsMagic = 0x42445250 // "BDRP"

const (
	pMagic = iota
	pMode
	pJT
	pAddr
	pSize
	pBlock
	pResult
	pGD
	pExt
	paramWords
)

// readerBlob is one architecture's reader as the board knows it.
type readerBlob struct {
	arch   binreader.Arch
	size   int
	params int      // offset of its parameter block
	sum    [32]byte // sha256 of the code with the parameter block zeroed
}

var readerBlobs = func() []readerBlob {
	var blobs []readerBlob
	for _, a := range binreader.Arches {
		p, err := binreader.Load(a)
		if err != nil {
			panic(err) // the blobs are embedded: a build error
		}
		blobs = append(blobs, readerBlob{arch: a, size: len(p.Code), params: p.ParamsOffset(), sum: maskedSum(p.Code, p.ParamsOffset(), a.Word)})
	}
	return blobs
}()

func maskedSum(code []byte, params, word int) [32]byte {
	c := bytes.Clone(code)
	clear(c[params : params+paramWords*word])
	return sha256.Sum256(c)
}

// readerAt recognises a reader for this board's CPU at entry, as the CPU
// fetches it (through the instruction cache: code still in the data
// cache is not there).
func (b *uboot) readerAt(entry uint64, max int) (*readerRun, bool) {
	want := b.cpu()
	for _, blob := range readerBlobs {
		if blob.arch.Name != want || blob.size > max || !b.mem.mapped(entry, uint64(blob.size)) {
			continue
		}
		code := make([]byte, blob.size)
		b.mem.fetch(entry, code)
		if maskedSum(code, blob.params, blob.arch.Word) == blob.sum {
			return &readerRun{b: b, arch: blob.arch, params: entry + uint64(blob.params)}, true
		}
	}
	return nil, false
}

// readerRun is one call of a reader.
type readerRun struct {
	b      *uboot
	arch   binreader.Arch
	params uint64 // the parameter block inside the code
}

func (r *readerRun) word(at uint64, i int) uint64 {
	w := r.arch.Word
	buf := make([]byte, w)
	r.b.abortIfUnmapped(at+uint64(i*w), uint64(w))
	r.b.mem.read(at+uint64(i*w), buf)
	if w == 4 {
		return uint64(r.arch.Order.Uint32(buf))
	}
	return r.arch.Order.Uint64(buf)
}

func (r *readerRun) setWord(at uint64, i int, v uint64) {
	w := r.arch.Word
	buf := make([]byte, w)
	if w == 4 {
		r.arch.Order.PutUint32(buf, uint32(v))
	} else {
		r.arch.Order.PutUint64(buf, v)
	}
	r.b.abortIfUnmapped(at+uint64(i*w), uint64(w))
	r.b.mem.write(at+uint64(i*w), buf)
}

// run is reader(): the entry stub's copy of gd, then the mode's work. It
// returns what the program returns.
func (r *readerRun) run() uint64 {
	p, x := r.params, r.b.exports()
	r.setWord(p, pGD, x.gd)
	if ext := r.word(p, pExt); ext != 0 {
		p = ext
		r.setWord(p, pGD, x.gd)
	}
	if r.word(p, pMagic) != paramsMagic {
		return ^uint64(0)
	}
	mode := r.word(p, pMode)
	r.setWord(p, pMode, 3)
	switch mode {
	case 0:
		r.setWord(p, pResult, x.gd)
	case 1:
		r.exports(r.word(p, pJT))
		r.setWord(p, pResult, x.version)
		if !r.b.cfg.ForeignExports {
			r.b.out.write([]byte("bdmp-ok\n"))
		}
	case 2, 4:
		r.exports(r.word(p, pJT))
		sent := r.stream(p, mode == 4)
		r.setWord(p, pResult, uint64(sent))
		if sent < 0 {
			return 1
		}
	case 5:
		r.exports(r.word(p, pJT))
		return r.uartRate(p)
	case 6:
		r.exports(r.word(p, pJT))
		return r.receive(p)
	}
	return 0
}

// receive is reader.c's receive(): "BDUP", then frames from the host,
// each block taken in order if its CRC-32 holds, each frame answered with
// '+' and the block wanted next in 8 hex digits; after 'E' with all in,
// '=' and the count. Silence (a second here, as RX_POLLS polls are on a
// fast CPU) makes it ask again, 8 times, then it gives up (2).
func (r *readerRun) receive(p uint64) uint64 {
	b := r.b
	addr, size, block := r.word(p, pAddr), r.word(p, pSize), r.word(p, pBlock)
	b.abortIfUnmapped(addr, size) // the first store there would fault
	blocks := (size + block - 1) / block
	var next uint64
	b.out.write([]byte("BDUP"))
	answer := func(kind byte) { b.out.write(fmt.Appendf(nil, "%c%08x", kind, next)) }
	in := &frameIn{b: b}
	for silent := 0; ; {
		kind, body, err := in.frame(func(head []byte) int {
			num, n := uint64(binary.BigEndian.Uint32(head[:4])), uint64(binary.BigEndian.Uint32(head[4:]))
			if num != next || next >= blocks || n != min(block, size-num*block) {
				return -1
			}
			return int(n) + 4
		})
		switch {
		case err == errSilent:
			if silent++; silent == 8 {
				return 2
			}
			answer('+')
			continue
		case err == errNotWanted:
			answer('+')
			continue
		case err != nil:
			continue
		}
		silent = 0
		switch kind {
		case 'E':
			if next == blocks {
				answer('=')
				r.setWord(p, pResult, next)
				return 0
			}
		case 'D':
			data, sum := body[8:len(body)-4], binary.BigEndian.Uint32(body[len(body)-4:])
			b.mem.write(addr+next*block, data)
			if crc32.ChecksumIEEE(data) == sum {
				next++
			}
		}
		answer('+')
	}
}

// frameIn reads the host's frames: 0x7e, a kind, and for a 'D' frame
// its 8-byte head and what the head says follows, unescaped.
type frameIn struct {
	b       *uboot
	started bool // a 0x7e came in the middle of the last frame
}

var (
	errSilent    = errors.New("the host sent nothing")
	errNotWanted = errors.New("not the block wanted")
	errCut       = errors.New("a frame cut short")
)

// frame reads the next frame; rest says, from a 'D' frame's head, how
// many bytes follow it (-1: none taken).
func (f *frameIn) frame(rest func(head []byte) int) (kind byte, body []byte, err error) {
	for !f.started {
		_, start, err := f.next()
		if err != nil {
			return 0, nil, err
		}
		f.started = start
	}
	f.started = false
	kind, start, err := f.next()
	if err != nil || start {
		f.started = start
		return 0, nil, errCut
	}
	if kind != 'D' {
		return kind, nil, nil
	}
	for n := 8; len(body) < n; {
		c, start, err := f.next()
		if err != nil || start {
			f.started = start
			return 0, nil, errCut
		}
		if body = append(body, c); len(body) == 8 {
			more := rest(body)
			if more < 0 {
				return 0, nil, errNotWanted
			}
			n += more
		}
	}
	return kind, body, nil
}

// next is the next byte, unescaped, or start when a frame starts.
func (f *frameIn) next() (c byte, start bool, err error) {
	key := func() (byte, error) {
		c, ok, err := f.b.uart.key(f.b.ctx, time.Second)
		if err != nil || !ok {
			return 0, errSilent
		}
		return c, nil
	}
	if c, err = key(); err != nil || c == 0x7e {
		return 0, c == 0x7e, err
	}
	if c != 0x7d {
		return c, false, nil
	}
	if c, err = key(); err != nil || c == 0x7e {
		return 0, c == 0x7e, err
	}
	return c ^ 0x20, false, nil
}

// exports crashes the board unless jt is its jump table: a call through
// anything else jumps to no function.
func (r *readerRun) exports(jt uint64) {
	if jt != r.b.exports().jt {
		r.b.crash(jt)
	}
}

// The reader's window (reader.c): blocks in flight, and of them 'B'
// frames.
const (
	readerWindow     = 32
	readerDataWindow = 3
)

// stream is reader.c's stream(): the calibration, the host's escape
// mask, then the blocks, each as the shortest frame that tells it
// (deflated, with compress, where that is shorter), sent without waiting
// up to the window, while the host's one-byte answers acknowledge them or
// send the reader back. It returns the frames sent, or -1 when the host
// stopped it.
func (r *readerRun) stream(p uint64, compress bool) int64 {
	b := r.b
	cal := []byte("BDRD")
	for c := range 256 {
		cal = append(cal, byte(c))
	}
	b.out.write(append(cal, "BDRD"...))
	var escape [32]byte
	for i := range 64 {
		v := hexDigit(r.getc())
		if v < 0 {
			return -1
		}
		if i&1 == 0 {
			v <<= 4
		}
		escape[i>>1] |= byte(v)
	}
	escape[0x7d>>3] |= 1 << (0x7d & 7)
	escape[0x7e>>3] |= 1 << (0x7e & 7)
	put := func(frame []byte, c byte) []byte {
		if escape[c>>3]&(1<<(c&7)) != 0 {
			return append(frame, 0x7d, c^0x20)
		}
		return append(frame, c)
	}
	put32 := func(frame []byte, v uint32) []byte {
		for shift := 24; shift >= 0; shift -= 8 {
			frame = put(frame, byte(v>>shift))
		}
		return frame
	}
	addr, size, block := r.word(p, pAddr), r.word(p, pSize), r.word(p, pBlock)
	if block == 0 {
		block = 4096
	}
	b.abortIfUnmapped(addr, size)
	var sent int64
	acked, next := uint64(0), uint64(0) // blocks below acked arrived
	var carried uint32                  // bit num % 32: block num carried its bytes, as reader.c's data
	for acked*block < size {
		inData := 0
		for i := acked; i < next; i++ {
			inData += int(carried >> (i & 31) & 1)
		}
		full := next*block >= size || next-acked >= readerWindow || inData >= readerDataWindow
		if c, ok := r.tstc(full); ok {
			num := acked + uint64((c-byte(acked))&63)
			switch {
			case c&0xc0 == 0x80 && num < next:
				acked = num + 1
			case c&0xc0 == 0xc0 && num <= next:
				acked, next = num, num
			case c == 'Q' || c == ctrlC:
				return -1
			}
			continue
		}
		off := next * block
		n := min(block, size-off)
		data := make([]byte, n)
		b.mem.read(addr+off, data)
		kind := byte('B')
		if erased(data) {
			kind = 'F'
		} else if off >= n {
			before := make([]byte, n)
			b.mem.read(addr+off-n, before)
			if bytes.Equal(before, data) {
				kind = 'R'
			}
		}
		var deflated []byte
		if kind == 'B' && compress && n > 8 {
			dict := make([]byte, min(off, readerDict))
			b.mem.read(addr+off-uint64(len(dict)), dict)
			if z := deflate(dict, data); len(z) <= int(n)-8 {
				kind, deflated = 'Z', z
			}
		}
		frame := put32(put32([]byte{0x7e, kind}, uint32(next)), uint32(n))
		switch kind {
		case 'Z':
			frame = put32(frame, uint32(len(deflated)))
			for _, c := range deflated {
				frame = put(frame, c)
			}
		case 'F':
			frame = put(frame, data[0])
		case 'B':
			for _, c := range data {
				frame = put(frame, c)
			}
		}
		b.out.write(put32(frame, crc32.ChecksumIEEE(data)))
		if kind == 'B' || kind == 'Z' {
			carried |= 1 << (next & 31)
		} else {
			carried &^= 1 << (next & 31)
		}
		next++
		sent++
	}
	b.out.write([]byte{0x7e, 'E'})
	return sent
}

// readerDict is how much of the stream before a block the reader's
// deflate dictionary holds (reader.c's DICT).
const readerDict = 16 << 10

// deflate is one raw deflate stream of data with dict as its dictionary
// (the reader's own encoder differs, as any two encoders may; the host
// decodes either).
func deflate(dict, data []byte) []byte {
	var out bytes.Buffer
	w, err := flate.NewWriterDict(&out, flate.BestCompression, dict)
	if err != nil {
		panic(err) // only for a bad level
	}
	w.Write(data)
	w.Close()
	return out.Bytes()
}

// erased says whether data is one value throughout, 0xff or 0x00.
func erased(data []byte) bool {
	if data[0] != 0xff && data[0] != 0 {
		return false
	}
	for _, c := range data {
		if c != data[0] {
			return false
		}
	}
	return true
}

// tstc is U-Boot's tstc then getc: a byte the host sent, if one is
// waiting; with wait, getc alone, which waits for one.
func (r *readerRun) tstc(wait bool) (byte, bool) {
	if wait {
		return r.getc(), true
	}
	r.b.out.flush() // what the reader put is on the wire before it looks
	select {
	case c, ok := <-r.b.uart.in:
		if !ok {
			return ctrlC, true // the line closed
		}
		return c, true
	default:
		return 0, false
	}
}

// getc is U-Boot's getc through the jump table: it waits for a byte. A
// line that closed reads as Ctrl-C, which stops the reader.
func (r *readerRun) getc() byte {
	for {
		c, ok, err := r.b.uart.key(r.b.ctx, 0)
		if err != nil {
			return ctrlC
		}
		if ok {
			return c
		}
	}
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

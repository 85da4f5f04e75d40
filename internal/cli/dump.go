package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect/uboot"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/identify"
)

// connection is how to reach the device: shared by every command that talks to one.
type connection struct {
	port        string
	baud        int
	flow        string
	dialect     string
	stopKeys    string
	syncTimeout time.Duration
	idleTimeout time.Duration
	transcript  string
	width       int
	fastBaud    int
	lineBaud    int // the rate the dump ran at, after --fast-baud
	reconnect   time.Duration
}

func (c *connection) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&c.port, "port", "p", "", "serial device (/dev/ttyUSB0), tcp://HOST:PORT, or sim:uboot?image=FILE")
	f.IntVarP(&c.baud, "baud", "b", 115200, "baud rate of the serial line")
	f.StringVar(&c.flow, "flow", "none", "flow control: none, rtscts or xonxoff")
	f.StringVar(&c.dialect, "dialect", "auto", "bootloader: auto or uboot")
	f.StringVar(&c.stopKeys, "stop-keys", "\\x03", "keys that stop autoboot, with \\xNN escapes (e.g. 'tpl' or '\\x1b')")
	f.DurationVar(&c.syncTimeout, "sync-timeout", 30*time.Second, "how long to wait for the bootloader prompt (power-cycle the board meanwhile)")
	f.DurationVar(&c.idleTimeout, "idle-timeout", 10*time.Second, "how long a command may go silent before it is retried")
	f.StringVar(&c.transcript, "transcript", "", "save everything the device sends to this file")
	f.IntVar(&c.width, "width", 0, "md unit width in bytes: 1, 2, 4 or 8 (default: the widest the board has)")
	f.DurationVar(&c.reconnect, "reconnect-timeout", 2*time.Minute, "how long to wait for a device whose line was lost (a pulled USB adapter)")
	f.IntVar(&c.fastBaud, "fast-baud", 0, "switch the line to this rate for the transfer (U-Boot's setenv baudrate), e.g. 921600")
}

func (c *connection) check() error {
	if c.port == "" {
		return usagef("no port: give -p /dev/ttyUSB0 (or tcp://HOST:PORT, or sim:uboot?image=FILE)")
	}
	if c.baud <= 0 {
		return usagef("baud rate %d: it must be positive, e.g. -b 115200", c.baud)
	}
	if c.fastBaud < 0 {
		return usagef("fast baud rate %d: it must be positive, e.g. --fast-baud 921600", c.fastBaud)
	}
	switch c.dialect {
	case "auto", "uboot":
	default:
		return usagef("dialect %q: this version speaks uboot (or auto)", c.dialect)
	}
	switch c.flow {
	case console.FlowNone, console.FlowRTSCTS, console.FlowXONXOFF:
	default:
		return usagef("flow control %q: none, rtscts or xonxoff", c.flow)
	}
	switch c.width {
	case 0, 1, 2, 4, 8:
	default:
		return usagef("width %d: 1, 2, 4 or 8 bytes", c.width)
	}
	if _, err := unescape(c.stopKeys); err != nil {
		return usagef("--stop-keys: %v", err)
	}
	return nil
}

// session opens the port, syncs with the bootloader, learns the board and,
// with --fast-baud, moves the line to the faster rate. close ends it all,
// going back to the original rate first.
func (c *connection) session(ctx context.Context, a *app, probe, size uint64) (sess *uboot.Session, close func(), err error) {
	keys, _ := unescape(c.stopKeys)
	conOpt := console.Options{StopKeys: keys, IdleTimeout: c.idleTimeout, Logger: a.log}
	var transcript *os.File
	if c.transcript != "" {
		if transcript, err = os.Create(c.transcript); err != nil {
			return nil, nil, err
		}
		conOpt.Transcript = transcript
	}
	link := uboot.Link{
		Dial: func(ctx context.Context) (console.Port, error) {
			return console.Open(ctx, c.port, console.PortOptions{Baud: c.baud, Flow: c.flow})
		},
		Console:     conOpt,
		SyncTimeout: c.syncTimeout,
	}
	a.log.Info("waiting for the bootloader prompt", "port", c.port, "baud", c.baud)
	sess, err = uboot.Connect(ctx, link, uboot.Options{Addr: probe, Size: size, MaxWidth: c.width, Logger: a.log})
	if err != nil {
		if transcript != nil {
			transcript.Close()
		}
		var se *console.SyncError
		switch {
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case errors.As(err, &se):
			return nil, nil, fmt.Errorf("%s at %d baud: %w", c.port, c.baud, err)
		case errors.Is(err, console.ErrReset):
			return nil, nil, fmt.Errorf("reading %#x made the device reset: the address is probably outside its memory map (see bdinfo): %w", probe, err)
		}
		return nil, nil, err
	}
	id := sess.Identity()
	a.log.Info("found the bootloader", "version", id.Version, "prompt", id.Prompt, "read_with", id.Command)
	c.lineBaud = c.baud
	end := func() {
		sess.Close()
		if transcript != nil {
			transcript.Close()
		}
	}
	close = func() {
		if ctx.Err() != nil {
			sess.Console().Interrupt() // stop md's output so the next run finds a quiet prompt
		}
		end()
	}
	if c.fastBaud == 0 || c.fastBaud == c.baud {
		return sess, close, nil
	}
	if err := sess.SwitchBaud(ctx, c.baud, c.fastBaud); err != nil {
		if ctx.Err() != nil {
			end()
			return nil, nil, ctx.Err()
		}
		a.log.Warn(fmt.Sprintf("staying at %d baud: %v", c.baud, err))
		return sess, close, nil
	}
	a.log.Info("switched the line", "baud", c.fastBaud)
	c.lineBaud = c.fastBaud
	return sess, func() {
		// Even after Ctrl-C: leave the board at the rate it had.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		var err error
		if ctx.Err() != nil {
			sess.Console().Interrupt() // md may still be printing
			err = sess.Resync(rctx)
		}
		if err == nil {
			err = sess.SwitchBaud(rctx, c.fastBaud, c.baud)
		}
		if err != nil {
			a.log.Warn(fmt.Sprintf("could not switch the board back to %d baud (a reset will): %v", c.baud, err))
		}
		end()
	}, nil
}

// checkRange refuses a range that wraps past the top of a 64-bit address
// space, before anything is sent (a usage error).
func checkRange(addr, size uint64) error {
	if end := addr + size; end < addr && end != 0 {
		return usagef("%#x + %#x runs past the top of the address space", addr, size)
	}
	return nil
}

// checkBoardRange refuses, before any memory is read, a range beyond a
// 32-bit board's address space.
func checkBoardRange(sess *uboot.Session, addr, size uint64) error {
	if end := addr + size; sess.AddrBits() == 32 && (end > 1<<32 || end < addr) {
		return fmt.Errorf("%#x + %#x runs past the top of this 32-bit board's address space (0xffffffff)", addr, size)
	}
	return nil
}

// unescape turns "\x03" style escapes into bytes.
func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		if i+3 >= len(s) || s[i+1] != 'x' {
			return nil, fmt.Errorf("bad escape in %q: use \\xNN", s)
		}
		v, err := parseNumber("0x" + s[i+2:i+4])
		if err != nil {
			return nil, fmt.Errorf("bad escape in %q: use \\xNN", s)
		}
		out = append(out, byte(v))
		i += 3
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no keys")
	}
	return out, nil
}

type dumpFlags struct {
	conn    connection
	addr    uint64
	size    uint64
	chunk   uint64
	retries int
	output  string
	force   bool
	restart bool
	json    bool
	source  string
	noSkip  bool
	base    string
}

func (a *app) dumpCommand() *cobra.Command {
	var f dumpFlags
	addr, size, chunk := &numberFlag{v: &f.addr}, &numberFlag{v: &f.size}, &numberFlag{v: &f.chunk}
	f.chunk = 64 << 10
	chunk.set = true // show the default in --help
	cmd := &cobra.Command{
		Use:   "dump -p PORT --addr A --size N -o FILE",
		Short: "Read memory or memory-mapped flash into a verified image file",
		Long: `dump reads SIZE bytes at ADDR through the bootloader's memory-display command
and writes them to FILE once every chunk is read and verified by the device's
own checksum. FILE.bootdump.json records how; if the dump is interrupted it is
the journal the same command resumes from.`,
		Example: `  bootdump dump -p /dev/ttyUSB0 --addr 0x9f000000 --size 16M -o flash.bin
  bootdump dump -p tcp://127.0.0.1:5555 --addr 0x04000000 --size 2M -o nor1.bin
  bootdump dump -p 'sim:uboot?image=fw.bin' --addr 0x04000000 --size 1M -o copy.bin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !addr.set {
				return usagef("no address: give --addr, e.g. --addr 0x04000000")
			}
			if !size.set {
				return usagef("no size: give --size, e.g. --size 1M")
			}
			return a.dump(cmd.Context(), &f)
		},
	}
	f.conn.flags(cmd)
	fl := cmd.Flags()
	fl.Var(addr, "addr", "start address (0x hex, decimal, K/M/G)")
	fl.Var(size, "size", "bytes to read (e.g. 0x200000, 2M)")
	fl.Var(chunk, "chunk", "bytes per verified chunk (multiple of 16)")
	fl.IntVar(&f.retries, "retries", 5, "re-reads of a chunk that fails its checks")
	fl.StringVarP(&f.output, "output", "o", "", "image file to write")
	fl.BoolVar(&f.force, "force", false, "replace an existing output file")
	fl.BoolVar(&f.restart, "restart", false, "discard an unfinished journal instead of resuming it")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	fl.StringVar(&f.source, "source", "mem", "where to read: mem (memory-mapped)")
	fl.BoolVar(&f.noSkip, "no-skip", false, "dump erased (all 0xff or 0x00) chunks too, instead of confirming them on the device")
	fl.StringVar(&f.base, "base", "", "an earlier image of the same range: unchanged chunks (same crc32) are copied from it")
	return cmd
}

func (a *app) dump(ctx context.Context, f *dumpFlags) error {
	if err := f.conn.check(); err != nil {
		return err
	}
	switch {
	case f.output == "":
		return usagef("no output file: give -o FILE")
	case f.size == 0:
		return usagef("the size is 0: give the number of bytes to read, e.g. --size 1M")
	case f.chunk < 16 || f.chunk%16 != 0 || f.chunk > 1<<30:
		return usagef("chunk %d: it must be a multiple of 16 bytes, e.g. --chunk 64K", f.chunk)
	case f.retries < 0:
		return usagef("retries %d: it must be 0 or more", f.retries)
	case f.source != "mem":
		return usagef("source %q: this version reads memory-mapped regions (mem)", f.source)
	}
	if err := checkRange(f.addr, f.size); err != nil {
		return err
	}
	retries := f.retries
	if retries == 0 {
		retries = -1
	}
	view := newProgressView(a.stderr, "dump")
	job, err := dump.Prepare(dump.Options{
		Addr: f.addr, Size: f.size, ChunkSize: int(f.chunk), Retries: retries, Output: f.output,
		Force: f.force, Restart: f.restart, Port: f.conn.port, Baud: f.conn.baud, Source: f.source,
		NoSkip: f.noSkip, Base: f.base, ReconnectTimeout: f.conn.reconnect, Logger: a.log, Progress: view.update,
	})
	if err != nil {
		return err
	}
	defer job.Close()
	sess, closeSession, err := f.conn.session(ctx, a, f.addr, f.size)
	if err != nil {
		return err
	}
	defer closeSession()
	if err := checkBoardRange(sess, f.addr, f.size); err != nil {
		return err
	}
	res, err := job.Run(ctx, sess)
	view.finish()
	if err != nil {
		if ctx.Err() != nil {
			done := res.Read + res.Resumed
			return fmt.Errorf("interrupted: %d of %d bytes are verified and kept in %s; run the same command again to resume", done, f.size, dump.RecordPath(f.output))
		}
		if errors.Is(err, console.ErrClosed) {
			return fmt.Errorf("%w; what was verified is kept in %s: reconnect and run the same command again to resume", err, dump.RecordPath(f.output))
		}
		return fmt.Errorf("%w; what was verified is kept in %s", err, dump.RecordPath(f.output))
	}
	a.summary(f, res, sess, a.identifyDump(ctx, f.output))
	return nil
}

// identifyDump tells what the new image holds and keeps that in its record.
// A damaged part does not fail the dump: the image is what the device
// holds, verified; the report says what is wrong with it.
func (a *app) identifyDump(ctx context.Context, path string) *identify.Report {
	img, size, err := openImage(path)
	if err != nil {
		a.log.Warn("could not identify the image's contents", "err", err)
		return nil
	}
	defer img.Close()
	rep, err := identify.Scan(ctx, img, size, identify.Options{})
	if err == nil {
		err = dump.SaveContents(path, rep)
	}
	if err != nil {
		a.log.Warn("could not identify the image's contents", "err", err)
		return nil
	}
	return rep
}

func verifiedBy(checksum string) string {
	if checksum == "" {
		return "reading twice"
	}
	return checksum
}

// summary prints the one line a person reads, and --json for scripts.
func (a *app) summary(f *dumpFlags, res *dump.Result, sess *uboot.Session, contents *identify.Report) {
	rec := res.Record
	secs := res.Elapsed.Seconds()
	rate := float64(res.Read) / max(secs, 1e-9)
	ceiling := float64(f.conn.lineBaud) / 10 * 16 / float64(sess.LineChars(f.addr))
	count := map[string]int{}
	for _, c := range rec.Chunks {
		count[c.Verified]++
	}
	id := rec.Device
	var parts []string
	parts = append(parts, fmt.Sprintf("%d bytes at %#x -> %s", f.size, f.addr, f.output))
	parts = append(parts, fmt.Sprintf("%s, %.0f bytes/s", res.Elapsed.Round(time.Millisecond), rate))
	switch {
	case strings.HasPrefix(f.conn.port, "tcp://"):
		// no line rate to compare with
	case rate <= 1.02*ceiling:
		parts = append(parts, fmt.Sprintf("%.1f%% of the %s line-rate ceiling at %d baud", 100*rate/ceiling, id.Command, f.conn.lineBaud))
	default:
		parts = append(parts, fmt.Sprintf("%.1fx the speed of dumping every byte with %s at %d baud", rate/ceiling, id.Command, f.conn.lineBaud))
	}
	if res.Resumed > 0 {
		parts = append(parts, fmt.Sprintf("%d bytes resumed from the journal", res.Resumed))
	}
	parts = append(parts, fmt.Sprintf("%d chunks dumped and verified by %s, %d erased (checked on the device, not dumped), %d copied from the base image; %d retries",
		count[dump.VerifiedCRC32]+count[dump.VerifiedTwice], verifiedBy(id.Checksum), count[dump.VerifiedErased], count[dump.VerifiedBase], res.Retries))
	if res.Resets+res.Reconnects > 0 {
		parts = append(parts, fmt.Sprintf("survived %d resets and %d lost connections", res.Resets, res.Reconnects))
	}
	parts = append(parts, "sha256 "+rec.SHA256)
	if f.json {
		out := map[string]any{
			"output": f.output, "record": dump.RecordPath(f.output), "addr": fmt.Sprintf("%#x", f.addr),
			"size": f.size, "seconds": secs, "bytes_per_second": rate, "line_rate_ceiling": ceiling,
			"efficiency": rate / ceiling, "bytes_read": res.Read, "bytes_resumed": res.Resumed,
			"chunks": len(rec.Chunks), "chunks_read": res.ChunksRead, "retries": res.Retries,
			"chunks_dumped": count[dump.VerifiedCRC32] + count[dump.VerifiedTwice], "resets": res.Resets, "reconnects": res.Reconnects, "chunks_erased": count[dump.VerifiedErased],
			"chunks_from_base": count[dump.VerifiedBase], "baud": f.conn.lineBaud,
			"sha256": rec.SHA256, "crc32": rec.CRC32, "device": id, "contents": contents,
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	}
	fmt.Fprintf(a.stderr, "done: %s\n", strings.Join(parts, "; "))
	if contents != nil {
		contents.WriteShort(a.stderr)
	}
}

package uboot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/xfer"
)

// Writing flash with U-Boot's commands (cmd/flash.c, cmd/sf.c, cmd/nand.c)
// and uploading to RAM (cmd/load.c: loady, loadb; cmd/mem.c: mw.l).

// Uploaders are the upload commands tried in order: loady (YMODEM), loadb
// (Kermit), then mw.l (a word a command, the slow last resort).
var Uploaders = []string{"loady", "loadb", "mw.l"}

// UploadCommands: loady, then crc32 of what arrived.
func (s *Session) UploadCommands(ram, n uint64) []string {
	return []string{fmt.Sprintf("loady %#x", ram), fmt.Sprintf("crc32 %#x %#x", ram, n)}
}

// ProgramCommands erase a block and program its first n bytes from RAM.
func (s *Session) ProgramCommands(kind string, addr, size, from, n, page uint64) []string {
	switch kind {
	case "sf":
		cmds := []string{fmt.Sprintf("sf erase %#x %#x", addr, size)}
		if n > 0 {
			cmds = append(cmds, fmt.Sprintf("sf write %#x %#x %#x", from, addr, n))
		}
		return cmds
	case "nand":
		cmds := []string{fmt.Sprintf("nand erase %#x %#x", addr, size)}
		if page = max(page, 1); n > 0 {
			cmds = append(cmds, fmt.Sprintf("nand write %#x %#x %#x", from, addr, (n+page-1)/page*page))
		}
		return cmds
	}
	cmds := []string{fmt.Sprintf("protect off %#x +%#x", addr, size), fmt.Sprintf("erase %#x +%#x", addr, size)}
	if n > 0 {
		cmds = append(cmds, fmt.Sprintf("cp.b %#x %#x %#x", from, addr, n))
	}
	return cmds
}

// CheckCommands read a block back into the window (SPI, NAND) and crc32 it.
func (s *Session) CheckCommands(kind string, addr, size, window uint64) []string {
	switch kind {
	case "sf", "nand":
		return []string{fmt.Sprintf("%s read %#x %#x %#x", kind, window, addr, size), fmt.Sprintf("crc32 %#x %#x", window, size)}
	}
	return []string{fmt.Sprintf("crc32 %#x %#x", addr, size)}
}

// ErrCommandFailed: a flash command did not say it succeeded.
var ErrCommandFailed = errors.New("the command did not succeed")

// FlashCommand sends a flash command and checks it says it succeeded.
func (s *Session) FlashCommand(ctx context.Context, cmd string) error {
	lines, err := s.con.Output(ctx, cmd)
	if err != nil {
		return err
	}
	return checkFlashAnswer(cmd, lines)
}

// checkFlashAnswer judges a flash command's output by what U-Boot prints
// on success.
func checkFlashAnswer(cmd string, lines []string) error {
	f := strings.Fields(cmd)
	if len(f) < 2 {
		return fmt.Errorf("%w: %q is no flash command", ErrCommandFailed, cmd)
	}
	switch f[0] + " " + f[1] {
	case "sf erase":
		return expect(lines, "Erased: OK")
	case "sf write":
		return expect(lines, "Written: OK")
	case "nand erase":
		for _, l := range lines {
			if strings.TrimSpace(l) == "OK" {
				return nil
			}
		}
		return fmt.Errorf("%w: it printed %q", ErrCommandFailed, lines)
	case "nand write":
		return expect(lines, "bytes written: OK")
	}
	switch f[0] {
	case "protect":
		return expect(lines, "Un-Protected")
	case "erase":
		for _, l := range lines {
			if strings.Contains(l, "protected sectors will not be erased") {
				return fmt.Errorf("%w: %s", ErrCommandFailed, l)
			}
		}
		return expect(lines, "Erased ")
	default: // cp.b
		return expect(lines, "Copy to Flash... done")
	}
}

func expect(lines []string, text string) error {
	for _, l := range lines {
		if strings.Contains(l, text) {
			return nil
		}
	}
	return fmt.Errorf("%w: it printed %q, not %q", ErrCommandFailed, lines, text)
}

// Upload puts data into RAM at ram with the first of Uploaders the board
// has.
func (s *Session) Upload(ctx context.Context, ram uint64, data []byte, progress func(sent, total int, how string)) error {
	return s.UploadWith(ctx, Uploaders, ram, data, progress)
}

// UploadWith tries the given upload commands in turn.
func (s *Session) UploadWith(ctx context.Context, loaders []string, ram uint64, data []byte, progress func(sent, total int, how string)) error {
	con := s.con
	for _, loader := range loaders {
		if loader == "mw.l" {
			return uploadWords(ctx, con, ram, data, progress)
		}
		cmd := fmt.Sprintf("%s %#x", loader, ram)
		first := ""
		started, err := con.Start(ctx, cmd, func(line []byte) bool {
			first = string(line)
			return true
		})
		if err != nil {
			return err
		}
		if started && strings.HasPrefix(first, "## Ready for binary") {
			return s.receive(ctx, cmd, data, progress)
		}
		if started {
			// Not a receiver's banner: let the command end.
			if err := con.Finish(ctx, cmd, nil); err != nil {
				return err
			}
		}
		s.log.Warn("the board has no "+loader+"; trying the next way to upload", "said", first)
	}
	return fmt.Errorf("no way to upload to RAM: the board has none of %v", loaders)
}

// receive sends data to the receiver cmd started (loady, loadb) and
// checks the size it reports.
func (s *Session) receive(ctx context.Context, cmd string, data []byte, progress func(sent, total int, how string)) error {
	line := &consoleLine{ctx: ctx, con: s.con}
	xopt := xfer.Options{Logger: s.log, Progress: func(sent, total int) {
		if progress != nil {
			progress(sent, total, "uploading")
		}
	}}
	var err error
	if strings.HasPrefix(cmd, "loadb") {
		err = xfer.SendKermit(ctx, line, "image.bin", data, xopt)
	} else {
		err = xfer.SendYMODEM(ctx, line, "image.bin", data, xopt)
	}
	if err != nil {
		return fmt.Errorf("upload (%s): %w", cmd, err)
	}
	total := ""
	if err := s.con.Finish(ctx, cmd, console.Text(func(l []byte) error {
		if i := strings.Index(string(l), "## Total Size"); i >= 0 {
			total = string(l[i:])
		}
		return nil
	})); err != nil {
		return err
	}
	if !strings.HasSuffix(total, fmt.Sprintf("= %d Bytes", len(data))) {
		return fmt.Errorf("%s received %q, not %d bytes", cmd, total, len(data))
	}
	return nil
}

// uploadWords writes data with mw.l, a word a command: the slow last
// resort (little-endian words; the crc32 check that follows catches a
// board of the other order).
func uploadWords(ctx context.Context, con *console.Console, ram uint64, data []byte, progress func(sent, total int, how string)) error {
	padded := append([]byte(nil), data...)
	for len(padded)%4 != 0 {
		padded = append(padded, 0xff)
	}
	for off := 0; off < len(padded); off += 4 {
		w := uint32(padded[off]) | uint32(padded[off+1])<<8 | uint32(padded[off+2])<<16 | uint32(padded[off+3])<<24
		if _, err := con.Output(ctx, fmt.Sprintf("mw.l %#x %08x", ram+uint64(off), w)); err != nil {
			return err
		}
		if progress != nil && off%4096 == 0 {
			progress(off, len(padded), "uploading with mw.l")
		}
	}
	return nil
}

// consoleLine lets a transfer protocol use the console's line.
type consoleLine struct {
	ctx context.Context
	con *console.Console
}

func (l *consoleLine) Write(b []byte) (int, error) {
	if err := l.con.Write(l.ctx, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (l *consoleLine) Next(ctx context.Context, timeout time.Duration) (byte, error) {
	b, err := l.con.Next(ctx, timeout)
	if errors.Is(err, console.ErrTimeout) {
		return 0, xfer.ErrTimeout
	}
	return b, err
}

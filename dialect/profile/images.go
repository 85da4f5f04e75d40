package profile

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/xfer"
)

// lsLine is one line of the Winbond loader's LS:
// "Image: 3 name:romfs.img base:0x7f0e0000 size:0x000c3c00 exec:0x7f0e0000 -a".
var lsLine = regexp.MustCompile(`^Image:\s*(\d+) name:(\S+) base:0x([0-9a-fA-F]{1,8}) size:0x([0-9a-fA-F]{1,8}) exec:0x([0-9a-fA-F]{1,8}) -(\w*)`)

// ParseImageTable reads LS output; lines that are not image entries are
// ignored.
func ParseImageTable(lines []string) []dialect.Image {
	var out []dialect.Image
	for _, l := range lines {
		m := lsLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		num, _ := strconv.Atoi(m[1])
		hex := func(s string) uint64 { v, _ := strconv.ParseUint(s, 16, 64); return v }
		out = append(out, dialect.Image{Num: num, Name: m[2], Base: hex(m[3]), Size: hex(m[4]), Exec: hex(m[5]), Flags: m[6]})
	}
	return out
}

// Images asks the bootloader for its image table.
func (s *Session) Images(ctx context.Context) ([]dialect.Image, error) {
	if s.p.ImageTable == "" {
		return nil, fmt.Errorf("%s keeps no image table: %w", s.p.Name, dialect.ErrUnsupported)
	}
	lines, err := s.con.Output(ctx, s.p.ImageTable)
	if err != nil {
		return nil, err
	}
	return ParseImageTable(lines), nil
}

// ImageWrites is how a bootloader writes images into its table: its
// commands take each upload by XMODEM (128-byte blocks, CRC-16), asking
// first before they delete an image they replace.
type ImageWrites struct {
	// Stage uploads to RAM at {ram}; Write uploads and programs an image:
	// {num}, {name}, {base}, {exec} (hex, no 0x), {flags} (its letters).
	Stage, Write string
	// RAM is where Write takes im's upload (Stage uploads there first).
	RAM func(im dialect.Image) uint64
	// Replace is the question Write asks before it deletes an image of
	// the same number; Yes answers it (a key, no line end).
	Replace string
	Yes     []byte
	// Ready is printed when the upload may start; Staged and Programmed
	// when Stage and Write worked; Failed when the upload did not.
	Ready, Staged, Programmed, Failed string
	// NoResend: the receiver keeps a block it refuses (xfer.Options).
	NoResend bool
	// Area is where images may go (after the bootloader's own block),
	// Block what they start on, Footer the table entry an image ends in
	// (in its last block, or the next where fewer bytes are left).
	Area, Block, Footer uint64
	// Unit is the upload's block: the table lists whole ones.
	Unit uint64
	// Burn uploads raw data and writes it from Start, the flash's start
	// (the bootloader's own block too), printing Burnt when it compared
	// what it wrote; the upload goes to RAM where at most MaxUpload bytes
	// fit. FlashSize finds the flash's size in the boot banner.
	Burn, Burnt      string
	Start, MaxUpload uint64
	FlashSize        *regexp.Regexp
}

// winbondWrites are the Winbond loader's MX, FX and BX (sh.c, command.c,
// image.c).
var winbondWrites = &ImageWrites{
	Stage: "MX 0x{ram}", Write: "FX {num} {name} 0x{base} 0x{exec} -{flags}",
	// FX takes the upload at the exec address, or at its download buffer
	// where that address is in flash (above FLASH_BASE).
	RAM: func(im dialect.Image) uint64 {
		if im.Exec > 0x7f000000 {
			return 0x100000
		}
		return im.Exec
	},
	Replace: "Do you want to delete it?", Yes: []byte{'y'},
	Ready: "Waiting for download", Staged: "Download successed!", Programmed: "Flash programming", Failed: "Download error",
	NoResend: true,
	Area:     0x7f010000, Block: 0x10000, Footer: 52, Unit: 128,
	// BX takes its upload at 0x100000, in 8 MiB of RAM, and writes from
	// FLASH_BASE; past the flash's end its loop never returns.
	Burn: "BX", Burnt: "Write data verifing", Start: 0x7f000000, MaxUpload: 7 << 20,
	FlashSize: regexp.MustCompile(`Flash Size is 0x([0-9a-fA-F]+) Bytes`),
}

// writes is the profile's image writing, if it has one.
func (s *Session) writes() (*ImageWrites, error) {
	if s.p.Writes == nil {
		return nil, fmt.Errorf("%s writes no images into a table: %w", s.p.Name, dialect.ErrUnsupported)
	}
	return s.p.Writes, nil
}

func (w *ImageWrites) expand(template string, im dialect.Image) string {
	return strings.NewReplacer("{ram}", strconv.FormatUint(w.RAM(im), 16), "{num}", strconv.Itoa(im.Num), "{name}", im.Name,
		"{base}", strconv.FormatUint(im.Base, 16), "{exec}", strconv.FormatUint(im.Exec, 16), "{flags}", im.Flags).Replace(template)
}

// ImageCommands are what StageImage and WriteImage type for im.
func (s *Session) ImageCommands(im dialect.Image, replace bool) (stage, write []string) {
	w, err := s.writes()
	if err != nil {
		return nil, nil
	}
	write = []string{w.expand(w.Write, im)}
	if replace {
		write = append(write, fmt.Sprintf("(answers %q to %q)", w.Yes, w.Replace))
	}
	return []string{w.expand(w.Stage, im)}, write
}

// StageImage uploads data to the RAM WriteImage takes im's upload in.
func (s *Session) StageImage(ctx context.Context, im dialect.Image, data []byte, progress func(sent, total int)) error {
	w, err := s.writes()
	if err != nil {
		return err
	}
	return s.upload(ctx, w, w.expand(w.Stage, im), data, progress, w.Staged)
}

// WriteImage uploads data and has the bootloader program it as im,
// answering its question before it deletes an image of that number.
func (s *Session) WriteImage(ctx context.Context, im dialect.Image, data []byte, progress func(sent, total int)) error {
	w, err := s.writes()
	if err != nil {
		return err
	}
	return s.upload(ctx, w, w.expand(w.Write, im), data, progress, w.Programmed)
}

// ImageUpload is how the uploads go: XMODEM's 128 bytes in 133, and the
// answers; each waits a few seconds before its first block. None where
// the profile writes no images.
func (s *Session) ImageUpload() dialect.UploadWay {
	if s.p.Writes == nil {
		return dialect.UploadWay{}
	}
	return dialect.UploadWay{Command: "XMODEM", Share: 0.9, Wait: 5 * time.Second}
}

// Listed is the size the table lists for n bytes written: whole upload
// blocks.
func (s *Session) Listed(n uint64) uint64 {
	unit := uint64(128)
	if s.p.Writes != nil && s.p.Writes.Unit > 0 {
		unit = s.p.Writes.Unit
	}
	return (n + unit - 1) / unit * unit
}

// ImageArea is where images may start, and the block they start on.
func (s *Session) ImageArea() (start, block uint64) {
	if s.p.Writes == nil {
		return 0, 1
	}
	return s.p.Writes.Area, s.p.Writes.Block
}

// ImageSpan is the flash an image takes, its footer included.
func (s *Session) ImageSpan(im dialect.Image) (start, end uint64) {
	w := s.p.Writes
	if w == nil || w.Block == 0 {
		return im.Base, im.Base + im.Size
	}
	end = im.Base + im.Size
	if room := w.Block - (im.Size-1)%w.Block - 1; im.Size == 0 || room < w.Footer {
		end += w.Block // the footer goes to the next block
	}
	return im.Base, (end + w.Block - 1) / w.Block * w.Block
}

// upload runs cmd, answers its question, sends data once it is ready,
// and reads what it printed up to the prompt: the upload worked when
// that holds done and no error.
func (s *Session) upload(ctx context.Context, w *ImageWrites, cmd string, data []byte, progress func(sent, total int), done string) error {
	var said []string
	var answerErr error
	started, err := s.con.Start(ctx, cmd, func(line []byte) bool {
		text := strings.Trim(string(line), "\r .")
		said = append(said, text)
		if w.Replace != "" && strings.Contains(text, w.Replace) {
			answerErr = s.con.Write(ctx, w.Yes)
			return false
		}
		return strings.Contains(text, w.Ready)
	})
	switch {
	case err != nil:
		return err
	case answerErr != nil:
		return answerErr
	case !started:
		return fmt.Errorf("%w: %s printed %q", ErrCommand, cmd, strings.Join(said, " "))
	}
	line := &console.TransferLine{Ctx: ctx, Con: s.con, Timeout: xfer.ErrTimeout}
	sendErr := xfer.SendXMODEM(ctx, line, data, xfer.Options{NoResend: w.NoResend, Start: 30 * time.Second, Progress: progress, Logger: s.log})
	var after []string
	finishErr := s.con.Finish(ctx, cmd, console.Text(func(l []byte) error {
		if text := strings.Trim(string(l), "\r\x06 ."); text != "" {
			after = append(after, text)
		}
		return nil
	}))
	switch {
	case sendErr != nil && finishErr != nil:
		s.log.Debug("no prompt after the failed upload", "cmd", cmd, "err", finishErr)
		return fmt.Errorf("%s: the upload failed: %w", cmd, sendErr)
	case sendErr != nil:
		return fmt.Errorf("%s: the upload failed: %w (it printed %q)", cmd, sendErr, strings.Join(after, " "))
	case finishErr != nil:
		return finishErr
	}
	for _, l := range after {
		if w.Failed != "" && strings.Contains(l, w.Failed) || s.isError(l) {
			return fmt.Errorf("%w: %s printed %q", ErrCommand, cmd, l)
		}
	}
	for _, l := range after {
		if strings.Contains(l, done) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s printed %q, not %q", ErrCommand, cmd, strings.Join(after, " "), done)
}

// isError: the line holds one of the profile's error texts.
func (s *Session) isError(line string) bool {
	for _, e := range s.p.Errors {
		if strings.Contains(line, e) {
			return true
		}
	}
	return false
}

// BurnRaw uploads data and has the bootloader write it from the flash's
// start and compare it (BX).
func (s *Session) BurnRaw(ctx context.Context, data []byte, progress func(sent, total int)) error {
	w, err := s.writes()
	if err != nil {
		return err
	}
	if w.Burn == "" {
		return fmt.Errorf("%s burns no raw data: %w", s.p.Name, dialect.ErrUnsupported)
	}
	return s.upload(ctx, w, w.Burn, data, progress, w.Burnt)
}

// RawArea is where BurnRaw writes; the flash's size is what the boot
// banner said, if the session saw it.
func (s *Session) RawArea() dialect.RawArea {
	w := s.p.Writes
	if w == nil {
		return dialect.RawArea{}
	}
	return dialect.RawArea{Start: w.Start, Size: s.flashSize, Block: w.Block, MaxUpload: w.MaxUpload, Way: s.ImageUpload()}
}

// RawCommand is the command BurnRaw types, if the profile has one.
func (s *Session) RawCommand() string {
	if s.p.Writes == nil {
		return ""
	}
	return s.p.Writes.Burn
}

// bannerFlashSize is the flash's size the boot banner states, 0 if none.
func bannerFlashSize(w *ImageWrites, seen string) uint64 {
	if w == nil || w.FlashSize == nil {
		return 0
	}
	m := w.FlashSize.FindStringSubmatch(seen)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseUint(m[1], 16, 64)
	return n
}

package cli

import (
	"strings"

	"github.com/bootdump/bootdump/dialect"
	"github.com/spf13/cobra"
)

// The commands' long help texts.

const dumpHelp = `dump reads SIZE bytes at ADDR through the bootloader's memory-display command
and writes them to FILE once every chunk is read and verified by the device's
own checksum. FILE.bootdump.json records how; if the dump is interrupted it is
the journal the same command resumes from.

Flash the CPU cannot read directly (SPI NOR, NAND, MTD devices and partitions,
eMMC) is read with --source: each chunk is copied into RAM by the flash's own
command (sf read, nand read, mtd read, mmc read), checked and dumped there.
NAND bad blocks are not read: the image holds 0xff there and the record lists
them. See bootdump info for the devices and partitions a board has.

On U-Boot, memory is read with bootdump's binary reader where it can run: a
small program (ARM, AArch64, RISC-V 64, MIPS32, MIPS64) that U-Boot runs as a
standalone image (bootm, or go) and that streams raw bytes in CRC-checked
blocks, about 4x what md's text carries on the same line. This is --reader
auto (the default): it sets the reader up once the erased chunks are known
and at least 64 KiB of data is left to read, and reads with md otherwise,
saying why in one line. --reader md never uploads anything; --reader binary
fails when the reader cannot run.`

// flashSources are the flash kinds read through RAM as --source spells
// them (sf[:BUS:CS], nand, mtd:NAME, mmc:DEV): the list is dialect's.
func flashSources() string {
	var out []string
	for _, k := range dialect.Sources() {
		if !k.ByAddress() {
			out = append(out, k.Spelling())
		}
	}
	return strings.Join(out, ", ")
}

// completeSources offers --source's kinds, with the colon of those that
// take a name.
func completeSources(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, k := range dialect.Sources() {
		s := string(k)
		if k.Spelling() != s {
			s += ":"
		}
		out = append(out, s)
	}
	return out, cobra.ShellCompDirectiveNoSpace
}

// programmableFlash are the kinds restore writes ("nor, sf or nand"):
// the list is dialect's.
func programmableFlash() string {
	var out []string
	for _, k := range dialect.Programmable() {
		out = append(out, string(k))
	}
	if len(out) < 2 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}

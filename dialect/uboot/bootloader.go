package uboot

import (
	"context"
	"encoding/binary"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/hexdump"
)

// Name is U-Boot's name in the registry and the record.
const Name = "uboot"

// Bootloader is U-Boot's registry entry. Its texts come from U-Boot's
// sources (common/autoboot.c, cmd/boot.c) and vendors' builds of it.
var Bootloader = dialect.Bootloader{
	Name:    Name,
	Title:   "U-Boot",
	Summary: "U-Boot and vendors' builds of it: md.b/w/l/q, verified by crc32; flash through RAM (sf, nand, mtd, mmc)",
	Prompts: []string{"=> ", "U-Boot> ", "ath> ", "hisilicon # ", "MT7621 # ", "IPQ40xx# ", "ar7240> ", "RT3052 # "},
	// Any key stops the countdown; Ctrl-C is the one that never runs a
	// command.
	Autoboot: []console.Autoboot{{Marker: "Hit any key to stop autoboot", Keys: []byte{console.CtrlC}}, {Marker: "to stop autoboot", Keys: []byte{console.CtrlC}}},
	Resets:   []string{"Hit any key to stop autoboot", "U-Boot SPL 20", "resetting ..."},
	Banners:  []string{"U-Boot 20", "U-Boot 1.", "U-Boot SPL"},
	Open: func(ctx context.Context, con *console.Console, link *dialect.Link, opt dialect.Options) (dialect.Session, error) {
		return Open(ctx, con, link, opt)
	},
	Lines: func(order binary.ByteOrder) []dialect.LineParser {
		var out []dialect.LineParser
		for _, w := range []int{4, 8, 2, 1} {
			out = append(out, hexdump.Format{Width: w, Order: order})
		}
		return out
	},
}

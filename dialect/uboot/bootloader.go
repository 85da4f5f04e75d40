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
	Traits: console.Traits{
		Prompts: []string{"=> ", "U-Boot> ", "hisilicon # ", "IPQ40xx# ", "IPQ807x# ", "ZynqMP> ", "Zynq> ", "SOCFPGA_CYCLONE5 # "},
		// Any key stops the stock countdown; Ctrl-C is the one that never
		// runs a command. Vendors' builds that want a secret string get the
		// known ones in turn; boot menus get the entry that names the
		// command line.
		Autoboot: append([]console.Autoboot{
			{Marker: "Hit any key to stop autoboot", Keys: []byte{console.CtrlC}, Others: Secrets},
			{Marker: "to stop autoboot", Keys: []byte{console.CtrlC}, Others: Secrets},
			{Marker: "Autobooting in", Keys: []byte{console.CtrlC}, Others: Secrets},
			{Marker: "abort autoboot", Keys: []byte{console.CtrlC}, Others: Secrets}, // "Press SPACE to abort autoboot in 2 seconds"
			{Marker: "stop auto-boot", Keys: []byte{console.CtrlC}, Others: Secrets},
		}, menus...),
		Resets: []string{"Hit any key to stop autoboot", "U-Boot SPL 20", "resetting ..."},
	},
	Banners: []string{"U-Boot 20", "U-Boot 1.", "U-Boot SPL"},
	Open: func(ctx context.Context, con *console.Console, link *dialect.Link, opt dialect.Options) (dialect.Session, error) {
		return Open(ctx, con, link, opt)
	},
	Lines: lines,
}

// Secrets are the strings vendors' builds stop their countdown with
// (CONFIG_AUTOBOOT_STOP_STR and the like), as users report them: TP-Link's
// "tpl", Atheros reference boards' "ath", a space, ESC, Hikvision's Ctrl-U.
var Secrets = [][]byte{[]byte("tpl"), []byte("ath"), []byte(" "), {0x1b}, {0x15}}

// menus are the entries of vendors' boot menus that lead to the command
// line ("4: Entr boot command line interface." on MediaTek/Ralink SDK
// builds, "[5] Enter boot command line" and the like elsewhere).
var menus = []console.Autoboot{
	{Marker: "boot command line", Menu: true},
	{Marker: "command line interface", Menu: true},
	{Marker: "Enter command line", Menu: true},
}

// lines are md's formats, widest first.
func lines(order binary.ByteOrder) []dialect.LineParser {
	var out []dialect.LineParser
	for _, w := range []int{4, 8, 2, 1} {
		out = append(out, hexdump.Format{Width: w, Order: order})
	}
	return out
}

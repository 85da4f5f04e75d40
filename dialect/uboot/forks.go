package uboot

import (
	"context"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// Vendors' builds of old U-Boot releases whose consoles differ enough to
// be told apart: they read as U-Boot does (the session learns what the
// build lacks: crc32, cmp, md.q), but they stop, prompt and reboot in
// words of their own.

// Ralink is the MediaTek/Ralink SDK's U-Boot 1.1.3 (RT3052 to MT7628,
// millions of routers), from its lib_mips/board.c and users' boot logs: a
// numbered boot menu whose countdown takes the first key as the choice
// (anything but a listed digit, Ctrl-C included, boots from flash), 57600
// baud, LF CR line ends, prompts named after the chip.
var Ralink = fork(dialect.Bootloader{
	Name:    "ralink",
	Title:   "Ralink U-Boot",
	Summary: "the MediaTek/Ralink SDK's U-Boot 1.1.3 (boot menu, option 4): the binary reader (MIPS), else md.b/w/l; read twice where it has no crc32",
	Traits: console.Traits{Prompts: []string{"MT7628 # ", "MT7621 # ", "MT7620 # ", "MT7688 # ", "RT3052 # ", "RT3350 # ", "RT3352 # ", "RT5350 # ", "RT2880 # ", "RT3883 # ", "RT6855 # "},
		Autoboot: []console.Autoboot{
			{Marker: "Entr boot command line interface", Menu: true},
			{Marker: "boot command line interface", Menu: true},
		},
		Resets: []string{"Please choose the operation:", "Ralink UBoot Version"}},
	Banners: []string{"Ralink UBoot Version", "Please choose the operation:", "Entr boot command line interface", "Board: Ralink APSoC"},
})

// LSDK is Atheros/QCA's LSDK U-Boot 1.1.4 (AR7240, AR9330, AR9341: TP-Link
// and many others), from users' boot logs: "Autobooting in 1 seconds",
// stopped only by a secret string ("tpl" on TP-Link's builds), prompts
// named after the chip, flash mapped at 0x9F000000.
var LSDK = fork(dialect.Bootloader{
	Name:    "lsdk",
	Title:   "Atheros LSDK U-Boot",
	Summary: "Atheros/QCA LSDK U-Boot 1.1.4 (TP-Link: secret string tpl): the binary reader (MIPS), else md.b/w/l, verified by crc32",
	Traits: console.Traits{Prompts: []string{"ar7240> ", "ath> ", "ar7100> ", "ap121> ", "ap143> ", "db12x> ", "ar934x> "},
		Autoboot: []console.Autoboot{
			{Marker: "Autobooting in", Keys: []byte("tpl"), Others: Secrets},
		},
		Resets: []string{"Autobooting in"}},
	Banners: []string{"ag7240_enet_initialize", "ag7100_enet_initialize", "ath_gmac_enet_initialize", "Autobooting in", ") U-boot"},
})

// fork completes a vendor build's entry: it opens a U-Boot session that
// calls itself by the entry's name.
func fork(b dialect.Bootloader) dialect.Bootloader {
	b.Resets = append(b.Resets, "resetting ...")
	b.Open = func(ctx context.Context, con *console.Console, link *dialect.Link, opt dialect.Options) (dialect.Session, error) {
		return open(ctx, con, link, opt, b.Name)
	}
	b.Lines, b.LinesLike = lines, Name
	return b
}

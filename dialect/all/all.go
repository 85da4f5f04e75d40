// Package all registers every bootloader bootdump knows with package
// dialect/registry, in the order auto-detection asks them: the vendors'
// U-Boot builds first (their banners name U-Boot too), U-Boot, then the
// bootloaders profiles describe. Import it for its side effect:
//
//	import _ "github.com/bootdump/bootdump/dialect/all"
//
// Adding a bootloader is adding its entry here.
package all

import (
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/dialect/registry"
	"github.com/bootdump/bootdump/dialect/uboot"
)

func init() {
	registry.Register(uboot.Ralink)
	registry.Register(uboot.LSDK)
	registry.Register(uboot.Bootloader)
	registry.Register(profile.Bootloader(profile.Winbond(), "the Winbond/Nuvoton W90P710/W90N745 camera loader: D -b/-h/-w -s, read twice; LS image table"))
	registry.Register(profile.Bootloader(profile.CFE(), "Broadcom CFE: d -b/-h/-w/-q, read twice"))
	registry.Register(profile.Bootloader(profile.RedBoot(), "eCos RedBoot: dump -1/-2/-4, verified by cksum"))
	registry.Register(profile.Bootloader(profile.Barebox(), "barebox: md -b/-w/-l/-q, verified by crc32"))
	registry.Register(profile.Bootloader(profile.OpenBIOS(), "OpenBIOS (Open Firmware, IEEE 1275): ADDR LEN dump, verified by a line of Forth"))
	registry.Register(profile.Bootloader(profile.SLOF(), "SLOF (Open Firmware on POWER): ADDR LEN dump, verified by a line of Forth"))
	registry.Register(profile.Bootloader(profile.UEFIShell(), "the EDK2 UEFI Shell: dmem ADDR LEN, read twice"))
}

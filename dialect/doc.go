// Package dialect is what every bootloader shares: the Session interface a
// dialect implements (identity, reading memory, resync, reconnect), the
// narrow interfaces for what only some can do (Checksummer, FillChecker,
// FlashWindower, Programmer, BaudSwitcher, ImageTabler, Describer), each
// asserted at compile time where it is implemented, the Bootloader entry
// of the registry, and the Link that reaches a board again.
//
// Each bootloader turns "read N bytes at A" and "checksum this range" into
// its own commands: package uboot (its own session: md, crc32, flash
// windows, flash programming), package profile (bootloaders described by
// data: the Winbond loader, CFE, RedBoot, barebox, and users' TOML
// profiles). Package registry lists them and tells which one answers.
package dialect

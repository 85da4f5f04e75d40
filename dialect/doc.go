// Package dialect holds what every bootloader dialect shares: the identity
// a session reports and how to reach the board again. Each bootloader lives
// in its own sub-package and turns "read N bytes at A" and "checksum this
// range" into its commands and back: uboot (its own session: md, crc32,
// flash windows), and winbond, cfe, redboot and barebox (profiles, run by
// package profile, as are users' TOML profiles). Package auto tells which
// one answers on a console.
package dialect

// Package dialect holds what every bootloader dialect shares: the identity
// a session reports. Each bootloader lives in its own sub-package (uboot,
// ...) and turns "read N bytes at A" and "checksum this range" into that
// bootloader's commands and back.
package dialect

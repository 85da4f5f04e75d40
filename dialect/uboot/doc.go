// Package uboot drives U-Boot's console: md to read memory, crc32 to
// verify it. A Session learns the board once (the widest md width it
// supports, the CPU byte order) and then reads in that format.
package uboot

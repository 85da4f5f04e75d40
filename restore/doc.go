// Package restore writes an image back to a device's flash through U-Boot:
// it compares every erase block with the device's crc32 first, uploads
// what differs to RAM (YMODEM with loady, else Kermit with loadb, else
// mw.l), checks it there, then programs block by block (NOR, SPI NOR,
// NAND), checking each block's crc32 in flash before the next. A run that
// stops anywhere leaves every block either verified or different from the
// image, so running it again writes exactly what is still wrong.
package restore

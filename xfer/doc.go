// Package xfer sends files to a bootloader's receive commands: XMODEM
// (128- and 1024-byte blocks, CRC-16 or checksum; U-Boot's loadx, the
// Winbond loader's MX) and YMODEM (block 0 with the name and the size, so
// the receiver keeps exactly the file; U-Boot's loady). Each waits for the
// receiver's start, retransmits a block on NAK or silence, and cancels
// cleanly.
package xfer

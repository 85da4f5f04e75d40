package dialect

import (
	"encoding/binary"
	"errors"
)

// ErrUnsupported: the bootloader (or this board) cannot do what was asked;
// callers fall back to a slower way rather than retry.
var ErrUnsupported = errors.New("not supported by this bootloader")

// ErrCommand: the bootloader said a command failed (an error message, a
// status): sending it again changes nothing.
var ErrCommand = errors.New("the bootloader refused the command")

// Identity is what a session learned about the device; the dump record
// keeps it so a backup says where it came from.
type Identity struct {
	Dialect   string `json:"dialect"`            // "uboot", "winbond", "cfe", "redboot", "barebox", or a profile's name
	Version   string `json:"version,omitempty"`  // the bootloader's own version line
	Prompt    string `json:"prompt"`             // as found on the console
	ByteOrder string `json:"byte_order"`         // "little", "big", or "unknown" until data shows it
	Command   string `json:"read_command"`       // the widest dump command in use, e.g. "md.l"
	AddrBits  int    `json:"address_bits"`       // 32 or 64
	Checksum  string `json:"checksum,omitempty"` // the device-side checksum, e.g. "crc32"
	Detected  string `json:"detected,omitempty"` // how the dialect was recognised, with --dialect auto
	// Board is what the board says of itself beyond its bootloader (its
	// MAC address, serial number), where it says it: a resumed dump on a
	// device without a checksum is refused when it differs.
	Board string `json:"board,omitempty"`
}

// OrderName names a byte order as Identity.ByteOrder does ("unknown" for nil).
func OrderName(o binary.ByteOrder) string {
	switch o {
	case binary.LittleEndian:
		return "little"
	case binary.BigEndian:
		return "big"
	}
	return "unknown"
}

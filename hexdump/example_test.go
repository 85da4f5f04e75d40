package hexdump_test

import (
	"encoding/binary"
	"fmt"

	"github.com/bootdump/bootdump/hexdump"
)

// Turn U-Boot md.l lines back into bytes: each line is checked (its
// address next in sequence, its digits, its ASCII column against its
// bytes) before its bytes count.
func ExampleDecoder() {
	lines := []string{
		"04000000: 746f6f62 706d7564 66657220 6e657265    bootdump referen",
		"04000010: 66206563 6873616c 616d6920 202e6567    ce flash image. ",
	}
	dec := hexdump.NewDecoder(hexdump.Format{Width: 4, Order: binary.LittleEndian}, 0x04000000, 32)
	var data []byte
	for _, l := range lines {
		var err error
		if data, err = dec.Line([]byte(l), data); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("%q, %d bytes left\n", data, dec.Remaining())
	// Output: "bootdump reference flash image. ", 0 bytes left
}

// A line whose ASCII column disagrees with its bytes is refused, with the
// address it was expected at.
func ExampleFormat_ParseLine() {
	_, _, err := hexdump.Format{Width: 1, Order: binary.LittleEndian}.ParseLine(
		[]byte("04000000: 62 6f 6f 74 64 75 6d 70 20 72 65 66 65 72 65 6e  bootdumq referen"), nil)
	fmt.Println(err)
	// Output: dump line at 0x04000000: ASCII column disagrees with byte 7: "04000000: 62 6f 6f 74 64 75 6d 70 20 72 65 66 65 72 65 6e  bootdumq referen"
}

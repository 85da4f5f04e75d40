// Package sim simulates bootloader consoles so that bootdump can be tried,
// tested and benchmarked without hardware.
//
// The simulator prints what the real bootloader prints, byte for byte, from
// its own formatting code: it never borrows the parsers of package hexdump,
// or a test would only prove that the code agrees with itself. Output is
// paced like a UART (ten bits a character at the configured baud rate), and a
// host whose line rate differs from the simulator's sees garbage, as on a
// real wire.
//
// A Board (board.go) is the hardware: memory, flash devices behind
// controllers, the line with its pacing and faults. What runs on it is a
// personality, one bootloader per file (uboot.go, winbond.go, cfe.go,
// redboot.go, barebox.go), registered by name; the simple ones share the
// line editor and prompt loop of shell.go. sim: port names and the flags of
// bootdump sim are read by one parser (params.go).
package sim

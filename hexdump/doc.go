// Package hexdump turns the text lines of a bootloader's memory-display
// command back into bytes.
//
// The parsers are pure (no I/O) and strict: every line is checked for the
// expected address, the unit count and width, valid hex digits and an ASCII
// column that agrees with the bytes. A line that fails is an error naming its
// address; nothing is skipped and nothing is guessed, because a backup that is
// silently wrong is worse than none.
package hexdump

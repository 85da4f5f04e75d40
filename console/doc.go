// Package console talks to a bootloader over a serial line.
//
// A Port is the byte stream (a serial device, raw TCP to ser2net or QEMU, or
// the in-process simulator). A Console syncs with the bootloader (stops
// autoboot, finds the prompt) and runs one command at a time with Exec, which
// streams the command's output lines and ends when the prompt returns: never
// by waiting for a pause, so a slow line and a fast one behave the same.
//
// Two U-Boot habits shape the code: an empty line repeats the last command,
// so a bare newline is never sent; and input typed while a command prints is
// discarded, so nothing but Ctrl-C is sent until the prompt is back.
package console

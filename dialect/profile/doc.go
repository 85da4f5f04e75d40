// Package profile drives bootloaders described by data (a Profile): their
// prompt, how to stop their autoboot, their dump command and its lines, and
// their checksum command if they have one. The Winbond loader, CFE, RedBoot
// and barebox are built-in profiles (builtin.go); a user's TOML file (Load)
// describes one nobody has seen yet. A Session turns "read N bytes at
// A" into the profile's dump commands and checks every line it gets back;
// where the profile says how (ImageWrites: the Winbond loader's MX, FX and
// BX), it also writes images into the bootloader's table and raw data from
// its flash's start, each taken by XMODEM.
package profile

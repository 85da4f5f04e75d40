// Package profile drives bootloaders described by data: the Winbond boot
// loader, CFE, RedBoot and barebox are built-in profiles, and a user's TOML
// file describes one nobody has seen yet. A Session turns "read N bytes at A"
// into the profile's dump commands and checks every line it gets back.
package profile

// Package winbond is the Winbond/Nuvoton W90P710 boot loader of the seed post's camera, as a
// profile: its D command, its ESC to stop autoboot, its LS image table.
package winbond

//go:build unix && !linux

package sim

import "os"

// ptyBaud: a pseudo-terminal on BSD and macOS does not tell the master the
// rate the host set; the simulated line then never garbles.
func ptyBaud(*os.File) int { return 0 }

func setSpeed(*os.File, int) {}

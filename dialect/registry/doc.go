// Package registry is the one list of bootloaders bootdump knows: U-Boot
// and the bootloaders profiles describe. Auto-detection, the --dialect
// help and completion, parse and the simulator's tests read it; adding a
// bootloader is adding its entry.
package registry

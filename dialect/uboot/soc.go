package uboot

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/bootdump/bootdump/binreader"
	"github.com/bootdump/bootdump/hexdump"
)

// U-Boot 1.1.x on the MIPS routers most users hold (MediaTek/Ralink's
// SDK, Atheros's LSDK) has no device tree: the SoC tells which UART is the
// console. Each family keeps an ID register at a fixed address (the same
// ones Linux reads at boot: arch/mips/ralink, arch/mips/ath79), and the
// build (ralink or lsdk) says which family's to read, so that no read goes
// to an address the SoC does not decode. All of them are read through
// KSEG1, uncached, as registers must be.

// socUART is the console's UART of the SoC that the build runs on.
func (s *Session) socUART(ctx context.Context) (consoleUART, error) {
	switch s.name {
	case "ralink":
		return s.ralinkUART(ctx)
	case "lsdk":
		return s.atherosUART(ctx)
	}
	return consoleUART{}, errors.New("U-Boot names no device tree of its own (no fdtcontroladdr), and it is no build whose SoC bootdump can tell (MediaTek/Ralink's, Atheros's): the UART is not known")
}

// ralinkUART reads the chip name from the system controller at
// 0x10000000. MT7628 and MT7688 (which report "MT7628") have three UART
// Lites, 16550s with 32-bit registers 4 bytes apart, at 0x10000c00,
// 0xd00 and 0xe00, clocked at 40 MHz; the SDK's serial_setbrg resets the
// UARTs and sets up only the console's, so the console is the first whose
// line control is not 0. Older SoCs (RT305x, RT5350, MT7620) have
// Ralink's own layout (the divisor in one register), which the reader
// does not drive.
func (s *Session) ralinkUART(ctx context.Context) (consoleUART, error) {
	name, err := s.chipName(ctx, 0xb0000000)
	if err != nil {
		return consoleUART{}, err
	}
	if name != "MT7628" {
		return consoleUART{}, fmt.Errorf("the SoC is a %s, whose UART the reader does not drive (it knows MT7628/MT7688's)", name)
	}
	for _, base := range []uint64{0xb0000c00, 0xb0000d00, 0xb0000e00} {
		lcr, err := s.readWord(ctx, base+0x0c)
		if err != nil {
			return consoleUART{}, err
		}
		if lcr != 0 {
			return consoleUART{path: fmt.Sprintf("the MT7628's UART Lite at %#x", base&0x1fffffff), base: base,
				kind: binreader.UART16550, shift: 2, words: true, clock: 40000000}, nil
		}
	}
	return consoleUART{}, errors.New("none of the MT7628's three UART Lites is set up (their line control registers read 0)")
}

// atherosUART reads the revision ID in the reset block (0x18060090):
// AR9330 and AR9331 have Atheros's own UART, every other of the family a
// 16550 with 32-bit registers 4 bytes apart; both at 0x18020000. Their
// clocks vary with the board (the AHB's, or a 25 or 40 MHz crystal), so
// the divisor is scaled from the one U-Boot set.
func (s *Session) atherosUART(ctx context.Context) (consoleUART, error) {
	id, err := s.readWord(ctx, 0xb8060090)
	if err != nil {
		return consoleUART{}, err
	}
	u := consoleUART{base: 0xb8020000, kind: binreader.UART16550, shift: 2, words: true}
	switch major := id & 0xfff0; major {
	case 0x0110, 0x1110:
		u = consoleUART{base: u.base, kind: binreader.UARTAR933x, path: "the AR933x's UART at 0x18020000"}
	case 0x00a0, 0x00b0, 0x00c0, 0x0100, 0x1100, // AR71xx, AR913x, AR7240, AR7241, AR7242
		0x0120, 0x1120, 0x2120, 0x0130, 0x1130, 0x0140, 0x0160: // AR9341/2/4, QCA9556/8, QCA953x
		u.path = fmt.Sprintf("the 16550 at 0x18020000 (SoC revision ID %#x)", id)
	default:
		return consoleUART{}, fmt.Errorf("the SoC's revision ID %#x is none of the Atheros/QCA SoCs whose UART the reader knows", id)
	}
	return u, nil
}

// chipName reads an 8-byte ASCII chip name at addr.
func (s *Session) chipName(ctx context.Context, addr uint64) (string, error) {
	var name []byte
	for _, a := range []uint64{addr, addr + 4} {
		w, err := s.readWord(ctx, a)
		if err != nil {
			return "", err
		}
		var b [4]byte
		s.byteOrder().PutUint32(b[:], w)
		name = append(name, b[:]...)
	}
	for _, c := range name {
		if c != ' ' && (c < '0' || c > 'Z') {
			return "", fmt.Errorf("the SoC's chip name at %#x reads % x, not a name", addr, name)
		}
	}
	return strings.TrimSpace(string(name)), nil
}

// readWord reads one 32-bit register with md.l.
func (s *Session) readWord(ctx context.Context, addr uint64) (uint32, error) {
	lines, err := s.mdOutput(ctx, fmt.Sprintf("md.l %#x 1", addr), 4)
	if err != nil {
		return 0, err
	}
	order := s.byteOrder() // md's ASCII column is in memory order
	b, err := decode(hexdump.Format{Width: 4, Order: order}, addr, 4, lines)
	if err != nil {
		return 0, fmt.Errorf("md.l %#x: %w", addr, err)
	}
	return order.Uint32(b), nil
}

// byteOrder is the CPU's, once known; MIPS routers with 1.1.x are big
// endian unless MediaTek/Ralink's.
func (s *Session) byteOrder() binary.ByteOrder {
	switch {
	case s.order != nil:
		return s.order
	case s.name == "ralink":
		return binary.LittleEndian
	}
	return binary.BigEndian
}

package uboot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bootdump/bootdump/dialect"
)

// NORBanks asks flinfo for the NOR flash banks (the flash and protect
// commands' view: what cp.b programs).
func (s *Session) NORBanks(ctx context.Context) ([]dialect.NORBank, error) {
	lines, err := s.con.Output(ctx, "flinfo")
	if err != nil {
		return nil, err
	}
	if len(lines) > 0 && strings.HasPrefix(lines[0], "Unknown command") {
		return nil, fmt.Errorf("this U-Boot has no flinfo (no NOR flash commands): %w", ErrNoFlashCommand)
	}
	s.banks = parseFlinfo(lines)
	return s.banks, nil
}

// parseFlinfo reads flinfo's banks:
//
//	Bank # 2: CFI conformant flash (16 x 16)  Size: 32 MB in 256 Sectors
//	  ...
//	  Sector Start Addresses:
//	  04000000   RO   04020000   RO   04040000        04060000
func parseFlinfo(lines []string) []dialect.NORBank {
	var banks []dialect.NORBank
	var cur *dialect.NORBank
	inSectors := false
	for _, l := range lines {
		if strings.HasPrefix(l, "Bank # ") {
			banks = append(banks, dialect.NORBank{})
			cur = &banks[len(banks)-1]
			inSectors = false
			num, _, _ := strings.Cut(strings.TrimPrefix(l, "Bank # "), ":")
			cur.Num, _ = strconv.Atoi(num)
			var port, chip uint64
			if _, rest, ok := strings.Cut(l, "flash ("); ok {
				if n, _ := fmt.Sscanf(rest, "%d x %d)", &port, &chip); n == 2 {
					cur.PortWidth = port / 8
				}
			}
			if _, rest, ok := strings.Cut(l, "Size: "); ok {
				f := strings.Fields(rest)
				if len(f) >= 2 {
					n, _ := strconv.ParseUint(f[0], 10, 64)
					cur.Size = n << map[string]uint{"KB": 10, "MB": 20, "GB": 30}[f[1]]
				}
			}
			continue
		}
		if cur == nil {
			continue
		}
		var a, b uint64
		if n, _ := fmt.Sscanf(strings.TrimSpace(l), "Erase timeout: %d ms, write timeout: %d ms", &a, &b); n == 2 {
			cur.EraseTimeout, cur.WriteTimeout = time.Duration(a)*time.Millisecond, time.Duration(b)*time.Millisecond
		}
		if n, _ := fmt.Sscanf(strings.TrimSpace(l), "Buffer write timeout: %d ms, buffer size: %d bytes", &a, &b); n == 2 {
			cur.BufferTimeout, cur.BufferSize = time.Duration(a)*time.Millisecond, b
		}
		if strings.Contains(l, "Sector Start Addresses:") {
			inSectors = true
			continue
		}
		if !inSectors {
			continue
		}
		for _, f := range strings.Fields(l) {
			if v, err := strconv.ParseUint(f, 16, 64); err == nil && len(f) >= 8 {
				cur.Sectors = append(cur.Sectors, v)
				cur.Protected = append(cur.Protected, false)
			} else if f == "RO" && len(cur.Protected) > 0 {
				cur.Protected[len(cur.Protected)-1] = true
			}
		}
	}
	for i := range banks {
		b := &banks[i]
		if n := len(b.Sectors); n > 0 {
			b.Start = b.Sectors[0]
			// flinfo prints whole MB (size >> 20): a bank under 1 MiB
			// says 0. Its sectors tell, the last as big as the one before.
			if n >= 2 {
				last := b.Sectors[n-1] - b.Sectors[n-2]
				b.Size = max(b.Size, b.Sectors[n-1]+last-b.Start)
			}
		}
	}
	return banks
}

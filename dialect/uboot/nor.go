package uboot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
	return parseFlinfo(lines), nil
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
		if len(banks[i].Sectors) > 0 {
			banks[i].Start = banks[i].Sectors[0]
		}
	}
	return banks
}

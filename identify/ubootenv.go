package identify

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// envDetector finds U-Boot environments (env/common.c): a CRC-32 of the
// rest of the area, a flag byte in redundant setups, then NUL-terminated
// name=value strings ending with an empty one, padded to the area's size.
// There is no magic, so a scan looks for common variable names and walks
// back to the first variable; the area's size is the one the CRC matches.
type envDetector struct{}

func (envDetector) Type() string { return "uboot-env" }
func (envDetector) Magics() [][]byte {
	return [][]byte{[]byte("bootcmd="), []byte("bootargs="), []byte("bootdelay="), []byte("baudrate=")}
}

const (
	envMaxBack = 64 << 10 // how far back from a hit the first variable may be
	envMaxSize = 1 << 20  // the largest environment looked for
)

func (envDetector) Check(r io.ReaderAt, hit, end int64) *Finding {
	start := envListStart(r, hit)
	vars, listLen := parseEnvList(bufio.NewReaderSize(io.NewSectionReader(r, start, min(end-start, envMaxSize)), 4096))
	if len(vars) < 2 {
		return nil
	}
	f := &Finding{Type: "uboot-env", Verdict: OK}
	for _, hdr := range []int64{4, 5} { // plain, redundant (with a flag byte)
		at := start - hdr
		crcField := header(r, at, end, 4)
		if crcField == nil {
			continue
		}
		for n := int64(1 << 10); n <= envMaxSize && at+n <= end; n *= 2 {
			if at+n < start+int64(listLen) {
				continue
			}
			sum, err := crcOf(r, start, n-hdr)
			if err != nil {
				break
			}
			if sum == binary.LittleEndian.Uint32(crcField) || sum == binary.BigEndian.Uint32(crcField) {
				f.Offset, f.Length = at, n
				return describeEnv(f, r, hdr, vars)
			}
		}
	}
	// No size matches. An environment starts an erase block, so a variable
	// list right after a 4 KiB boundary and its header is a damaged one;
	// anywhere else it is more likely the default environment built into
	// a U-Boot binary, which has no header at all.
	for _, hdr := range []int64{4, 5} {
		if (start-hdr)%4096 == 0 && start-hdr >= 0 {
			f.Offset, f.Length = start-hdr, hdr+int64(listLen)
			f.damage("CRC matches no environment size from 1 KiB to 1 MiB")
			return describeEnv(f, r, hdr, vars)
		}
	}
	return nil
}

// envListStart walks back from hit over name=value strings to the first.
func envListStart(r io.ReaderAt, hit int64) int64 {
	// Most hits (all chance ones) have no variable before them.
	if prev := header(r, hit-1, hit, 1); prev == nil || prev[0] != 0 {
		return hit
	}
	back := min(hit, envMaxBack)
	buf := make([]byte, back)
	if readAt(r, buf, hit-back) != nil {
		return hit
	}
	start := int64(len(buf)) // index in buf of the earliest variable found
	for start > 0 && buf[start-1] == 0 {
		prev := bytes.LastIndexByte(buf[:start-1], 0) + 1
		s := buf[prev : start-1]
		if !envVariable(s) {
			break
		}
		start = int64(prev)
	}
	return hit - back + start
}

func envVariable(s []byte) bool {
	eq := bytes.IndexByte(s, '=')
	if eq <= 0 {
		return false
	}
	for _, c := range s {
		if c < 0x20 && c != '\t' && c != '\n' || c > 0x7e {
			return false
		}
	}
	return true
}

type envVar struct{ name, value string }

// parseEnvList reads variables up to the empty string that ends them and
// returns them with the list's length (including that terminator).
func parseEnvList(br *bufio.Reader) ([]envVar, int) {
	var vars []envVar
	n := 0
	for {
		s, err := br.ReadSlice(0)
		if err != nil {
			return vars, n // no terminator: not an environment, or cut short
		}
		n += len(s)
		if len(s) == 1 {
			return vars, n
		}
		if !envVariable(s[:len(s)-1]) {
			return vars, n - len(s)
		}
		name, value, _ := strings.Cut(string(s[:len(s)-1]), "=")
		vars = append(vars, envVar{name, value})
	}
}

func describeEnv(f *Finding, r io.ReaderAt, hdr int64, vars []envVar) *Finding {
	kind := "single copy"
	if hdr == 5 {
		flag := header(r, f.Offset+4, f.Offset+5, 1)
		kind = fmt.Sprintf("redundant copy, flag %d", flag[0])
	}
	f.add("layout", "%s", kind)
	f.add("size", "%d", f.Length)
	f.add("variables", "%d", len(vars))
	for _, v := range vars {
		f.add("var "+v.name, "%s", v.value)
	}
	f.Summary = fmt.Sprintf("U-Boot environment, %s, %d variables", kind, len(vars))
	if cmd := f.Detail("var bootcmd"); cmd != "" {
		f.Summary += fmt.Sprintf(", bootcmd %q", cmd)
	}
	return f
}

package identify

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
)

// ubootDetector finds a raw U-Boot (or U-Boot SPL) image, the first thing
// in most flash dumps, by its version string: what common/version.c and
// 1.1.x's lib_*/board.c print at boot, "U-Boot 2023.01-rc1 (Jan 09 2023 -
// 12:00:00 +0000)" or "U-Boot 1.1.4 (Mar 22 2013 - 16:16:35)". The string
// lies inside the image, not at its start: the image is taken to run from
// the erased space (64 KiB of 0xFF or 0x00) or the start before the string
// to the erased space or the end after it. A raw image carries no
// checksum of itself.
type ubootDetector struct{}

// ubootVersion matches the version string: "U-Boot", " SPL" for the
// first stage, the release, and the build date in parentheses.
var ubootVersion = regexp.MustCompile(`^U-Boot( SPL| TPL)? ((?:20\d\d\.\d\d|1\.[0-3]\.\d+)[!-~]*) \(([A-Z][a-z]{2} [ 0-9]\d \d{4} - \d\d:\d\d:\d\d[^)]{0,12})\)`)

const (
	ubootBoundary = 64 << 10 // erased space this long bounds the image
	ubootReach    = 8 << 20  // how far from its version string an image may start or end
)

func (ubootDetector) Type() string     { return "u-boot" }
func (ubootDetector) Magics() [][]byte { return [][]byte{[]byte("U-Boot ")} }

func (d ubootDetector) Check(r io.ReaderAt, hit, end int64) *Finding {
	h := header(r, hit, end, min(96, int(end-hit)))
	m := ubootVersion.FindSubmatch(h)
	if m == nil {
		return nil
	}
	kind := "U-Boot"
	if len(m[1]) > 0 {
		kind += string(m[1])
	}
	start := boundary(r, hit, -1, 0)
	stop := boundary(r, hit, +1, end)
	f := &Finding{Offset: start, Length: stop - start, Type: "u-boot", Verdict: Unverifiable,
		Reason: "a raw bootloader image carries no checksum of itself"}
	f.add("stage", "%s", kind)
	f.add("version", "%s", m[2])
	f.add("built", "%s", m[3])
	f.add("version string at", "%#x", hit)
	f.Summary = fmt.Sprintf("%s %s (%s)", kind, m[2], m[3])
	return f
}

// boundary is where the image around hit ends in direction dir (-1: its
// start, +1: its end): at erased space of ubootBoundary bytes, aligned, or
// at limit, or ubootReach from hit.
func boundary(r io.ReaderAt, hit int64, dir int, limit int64) int64 {
	blk := int64(ubootBoundary)
	if dir < 0 {
		at := hit / blk * blk // the block holding the string
		for at > limit && hit-at < ubootReach {
			if erasedBlock(r, at-blk, blk) {
				return at
			}
			at -= blk
		}
		return max(at, limit)
	}
	at := (hit/blk + 1) * blk
	for at < limit && at-hit < ubootReach {
		if at+blk <= limit && erasedBlock(r, at, blk) {
			return at
		}
		at += blk
	}
	return min(at, limit)
}

// erasedBlock: the n bytes at off are all 0xFF or all 0x00.
func erasedBlock(r io.ReaderAt, off, n int64) bool {
	b := make([]byte, n)
	if off < 0 || readAt(r, b, off) != nil {
		return false
	}
	return b[0] == 0xff && bytes.Count(b, []byte{0xff}) == len(b) || b[0] == 0 && bytes.Count(b, []byte{0}) == len(b)
}

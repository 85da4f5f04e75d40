// Package identify tells what a firmware image holds and whether each part
// checks out: U-Boot legacy images, FIT and device trees, gzip, xz, LZMA,
// squashfs, romfs, cramfs, JFFS2, UBI, U-Boot environments, ELF files and
// erased space.
//
// Each format is a Detector in a file of its own. Scan searches the image for
// every detector's magic bytes, streaming through an io.ReaderAt, asks the
// detector whether a hit is real, and then searches the payload of what it
// found (the gzip inside a uImage, the images inside a FIT) for nested
// findings. Every finding carries a Verdict: OK when the checks the format
// offers passed, Damaged (with the reason) when one failed, Unverifiable when
// the format has nothing to check its contents against.
package identify

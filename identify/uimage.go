package identify

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// uimageDetector finds U-Boot legacy images: a 64-byte big-endian header
// with its own CRC and the CRC of the data after it (image.h).
type uimageDetector struct{}

const uimageHeaderSize = 64

func (uimageDetector) Type() string     { return "uimage" }
func (uimageDetector) Magics() [][]byte { return [][]byte{{0x27, 0x05, 0x19, 0x56}} }

func (uimageDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	h := header(r, off, end, uimageHeaderSize)
	if h == nil {
		return nil
	}
	be := binary.BigEndian
	f := &Finding{Offset: off, Length: uimageHeaderSize, Type: "uimage", Verdict: OK}
	zeroed := bytes.Clone(h)
	copy(zeroed[4:8], []byte{0, 0, 0, 0})
	if crc32.ChecksumIEEE(zeroed) != be.Uint32(h[4:]) {
		if !uimagePlausible(h) {
			return nil // a chance match of the magic
		}
		// Without a good header the size cannot be trusted: claim only
		// the header, so the scan goes on looking inside.
		f.damage("header CRC mismatch")
		f.Summary = fmt.Sprintf("U-Boot legacy image header %q", string(bytes.TrimRight(h[32:64], "\x00")))
		return f
	}
	dataSize := int64(be.Uint32(h[12:]))
	name := string(bytes.TrimRight(h[32:64], "\x00"))
	os, arch, typ, comp := lookup(uimageOS, h[28]), lookup(uimageArch, h[29]), lookup(uimageType, h[30]), lookup(uimageComp, h[31])
	f.add("name", "%s", name)
	f.add("os", "%s", os)
	f.add("arch", "%s", arch)
	f.add("type", "%s", typ)
	f.add("compression", "%s", comp)
	f.add("load", "0x%08X", be.Uint32(h[16:]))
	f.add("entry", "0x%08X", be.Uint32(h[20:]))
	f.add("created", "%s", time.Unix(int64(be.Uint32(h[8:])), 0).UTC().Format(time.DateTime))
	f.add("data size", "%d", dataSize)
	f.Summary = fmt.Sprintf("%q %s %s %s, %s, load 0x%08X", name, os, arch, typ, comp, be.Uint32(h[16:]))
	if end-(off+uimageHeaderSize) < dataSize {
		f.truncated("header", uimageHeaderSize+dataSize, end-off)
		return f
	}
	f.Length = uimageHeaderSize + dataSize
	sum, err := crcOf(r, off+uimageHeaderSize, dataSize)
	switch {
	case err != nil:
		f.damage("data unreadable: %v", err)
	case sum != be.Uint32(h[24:]):
		f.damage("data CRC mismatch (header 0x%08X, data 0x%08X)", be.Uint32(h[24:]), sum)
	}
	f.payload = []span{{off + uimageHeaderSize, f.End()}}
	return f
}

// uimagePlausible says whether a header whose CRC fails still looks like
// one: known OS, architecture, type and compression, and a text name.
func uimagePlausible(h []byte) bool {
	_, os := uimageOS[h[28]]
	_, arch := uimageArch[h[29]]
	_, typ := uimageType[h[30]]
	_, comp := uimageComp[h[31]]
	name, n := cString(h[32:64])
	rest := bytes.Trim(h[32+n:64], "\x00")
	return os && arch && typ && comp && (name == "" || printable(name)) && len(rest) == 0
}

func lookup(names map[byte]string, v byte) string {
	if n, ok := names[v]; ok {
		return n
	}
	return fmt.Sprintf("unknown (%d)", v)
}

// Values from U-Boot's include/image.h.
var (
	uimageOS = map[byte]string{0: "invalid", 1: "OpenBSD", 2: "NetBSD", 3: "FreeBSD", 4: "4.4BSD",
		5: "Linux", 6: "SVR4", 7: "Esix", 8: "Solaris", 9: "Irix", 10: "SCO", 11: "Dell", 12: "NCR",
		13: "LynxOS", 14: "VxWorks", 15: "pSOS", 16: "QNX", 17: "Firmware", 18: "RTEMS", 19: "ARTOS",
		20: "Unity", 21: "INTEGRITY", 22: "OSE", 23: "Plan 9", 24: "OpenRTOS", 25: "ARM Trusted Firmware",
		26: "Trusty", 27: "OP-TEE", 28: "OpenSBI", 29: "EFI", 30: "ELF"}
	uimageArch = map[byte]string{0: "invalid", 1: "Alpha", 2: "ARM", 3: "x86", 4: "IA64", 5: "MIPS",
		6: "MIPS64", 7: "PowerPC", 8: "S390", 9: "SuperH", 10: "SPARC", 11: "SPARC64", 12: "M68K",
		13: "Nios-32", 14: "MicroBlaze", 15: "Nios-II", 16: "Blackfin", 17: "AVR32", 18: "ST200",
		19: "Sandbox", 20: "NDS32", 21: "OpenRISC", 22: "ARM64", 23: "ARC", 24: "x86_64",
		25: "Xtensa", 26: "RISC-V"}
	uimageType = map[byte]string{0: "invalid", 1: "standalone", 2: "kernel", 3: "ramdisk",
		4: "multi", 5: "firmware", 6: "script", 7: "filesystem", 8: "flat_dt", 9: "kwbimage",
		10: "imximage", 11: "ublimage", 12: "omapimage", 13: "aisimage", 14: "kernel_noload",
		15: "pblimage", 16: "mxsimage", 17: "gpimage", 18: "atmelimage", 19: "socfpgaimage",
		20: "x86_setup", 21: "lpc32xximage", 22: "loadables", 23: "rkimage", 24: "rksd",
		25: "rkspi", 26: "zynqimage", 27: "zynqmpimage", 28: "zynqmpbif", 29: "fpga",
		30: "vybridimage", 31: "tee", 32: "firmware_ivt", 33: "pmmc", 34: "stm32image"}
	uimageComp = map[byte]string{0: "none", 1: "gzip", 2: "bzip2", 3: "lzma", 4: "lzo", 5: "lz4", 6: "zstd"}
)

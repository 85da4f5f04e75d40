package sim

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"math/rand/v2"
	"slices"
)

// SampleFirmware builds a small flash image laid out like a camera's: a
// U-Boot legacy image holding a gzip-compressed "kernel" at 0, a romfs
// root file system at size/2, and erased (0xFF) flash everywhere else.
// It is made at run time so the demo needs no files.
func SampleFirmware(size int) []byte {
	img := bytes.Repeat([]byte{0xff}, size)
	copy(img, uImage("Linux-2.6.19-uc1 (bootdump demo)", sampleKernel()))
	copy(img[size/2:], romfs("bootdump demo", map[string][]byte{
		"etc/version":   []byte("bootdump demo firmware 1.0\n"),
		"etc/inittab":   []byte("::sysinit:/etc/rc\n::respawn:/bin/sh\n"),
		"bin/camserver": pseudoRandom(24<<10, 7),
	}))
	return img
}

// sampleKernel is compressible text with some noise, like a real kernel.
func sampleKernel() []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(zw, "kernel symbol %05d: %x\n", i, pseudoRandom(8, uint64(i)))
	}
	zw.Close()
	return b.Bytes()
}

func pseudoRandom(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x626f6f7464756d70))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// uImage wraps data in a U-Boot legacy header: ARM Linux kernel, gzip.
func uImage(name string, data []byte) []byte {
	h := make([]byte, 64)
	be := binary.BigEndian
	be.PutUint32(h[0:], 0x27051956) // magic
	be.PutUint32(h[8:], 1767225600) // time stamp
	be.PutUint32(h[12:], uint32(len(data)))
	be.PutUint32(h[16:], 0x00008000) // load address
	be.PutUint32(h[20:], 0x00008000) // entry point
	be.PutUint32(h[24:], crc32.ChecksumIEEE(data))
	h[28], h[29], h[30], h[31] = 5, 2, 2, 1 // Linux, ARM, kernel, gzip
	copy(h[32:63], name)
	be.PutUint32(h[4:], crc32.ChecksumIEEE(h))
	return append(h, data...)
}

// romfs builds a romfs image (Documentation/filesystems/romfs) with the
// files in nested directories.
func romfs(volume string, files map[string][]byte) []byte {
	root := &romDir{}
	for _, path := range slices.Sorted(maps.Keys(files)) {
		root.add(path, files[path])
	}
	var out bytes.Buffer
	hdr := make([]byte, 16)
	copy(hdr, "-rom1fs-")
	out.Write(hdr)
	out.Write(pad16(append([]byte(volume), 0)))
	root.write(&out)
	for out.Len()%1024 != 0 {
		out.WriteByte(0)
	}
	img := out.Bytes()
	binary.BigEndian.PutUint32(img[8:], uint32(len(img)))
	binary.BigEndian.PutUint32(img[12:], -checksum(img[:min(512, len(img))]))
	return img
}

type romDir struct {
	names []string
	files map[string][]byte
	dirs  map[string]*romDir
}

func (d *romDir) add(path string, data []byte) {
	if d.files == nil {
		d.files, d.dirs = map[string][]byte{}, map[string]*romDir{}
	}
	if i := bytes.IndexByte([]byte(path), '/'); i >= 0 {
		name := path[:i]
		if d.dirs[name] == nil {
			d.dirs[name] = &romDir{}
			d.names = append(d.names, name)
		}
		d.dirs[name].add(path[i+1:], data)
		return
	}
	d.files[path] = data
	d.names = append(d.names, path)
}

// write lays out the directory's entries one after the other; each
// header's "next" field points at the following entry (0 ends the list),
// and a directory's spec.info points at its first entry.
func (d *romDir) write(out *bytes.Buffer) {
	for i, name := range d.names {
		start := out.Len()
		h := make([]byte, 16)
		nameBytes := pad16(append([]byte(name), 0))
		out.Write(h)
		out.Write(nameBytes)
		var kind uint32
		if sub := d.dirs[name]; sub != nil {
			kind = 1 // directory
			binary.BigEndian.PutUint32(h[4:], uint32(out.Len()))
			sub.write(out)
		} else {
			kind = 2 // regular file
			data := d.files[name]
			binary.BigEndian.PutUint32(h[8:], uint32(len(data)))
			out.Write(pad16(data))
		}
		next := uint32(0)
		if i < len(d.names)-1 {
			next = uint32(out.Len())
		}
		binary.BigEndian.PutUint32(h[0:], next|kind)
		binary.BigEndian.PutUint32(h[12:], -checksum(append(append([]byte{}, h...), nameBytes...)))
		copy(out.Bytes()[start:], h)
	}
}

func pad16(b []byte) []byte {
	for len(b)%16 != 0 {
		b = append(b, 0)
	}
	return b
}

// checksum is romfs's: the sum of big-endian 32-bit words.
func checksum(b []byte) uint32 {
	var s uint32
	for i := 0; i+4 <= len(b); i += 4 {
		s += binary.BigEndian.Uint32(b[i:])
	}
	return s
}

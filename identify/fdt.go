package identify

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"
)

// fdtDetector finds flattened device trees (the devicetree specification's
// DTB) and FIT images, which are device trees with an /images node whose
// images carry hash nodes (crc32, md5, sha1, sha256, ...).
type fdtDetector struct{}

const (
	fdtHeaderSize = 40
	fdtBeginNode  = 1
	fdtEndNode    = 2
	fdtProp       = 3
	fdtNop        = 4
	fdtEnd        = 9
)

func (fdtDetector) Type() string     { return "fdt" }
func (fdtDetector) Magics() [][]byte { return [][]byte{{0xd0, 0x0d, 0xfe, 0xed}} }

func (fdtDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	h := header(r, off, end, fdtHeaderSize)
	if h == nil {
		return nil
	}
	be := binary.BigEndian
	total := int64(be.Uint32(h[4:]))
	structOff, stringsOff := int64(be.Uint32(h[8:])), int64(be.Uint32(h[12:]))
	version, lastComp := be.Uint32(h[20:]), be.Uint32(h[24:])
	structSize, stringsSize := int64(be.Uint32(h[36:])), int64(be.Uint32(h[32:]))
	if total < fdtHeaderSize || version < 16 || version > 32 || lastComp > 17 ||
		structOff < fdtHeaderSize || structOff >= total || stringsOff >= total ||
		stringsOff+stringsSize > total || structOff+structSize > total {
		return nil
	}
	f := &Finding{Offset: off, Length: total, Type: "fdt", Verdict: Unverifiable}
	f.add("version", "%d", version)
	f.add("size", "%d", total)
	if total > end-off {
		f.truncated("header", total, end-off)
		f.Summary = fmt.Sprintf("device tree or FIT, version %d", version)
		return f
	}
	blob := make([]byte, total)
	if readAt(r, blob, off) != nil {
		return nil
	}
	if structSize == 0 { // version 16 has no size field
		structSize = total - structOff
	}
	root, err := parseFDT(blob[structOff:structOff+structSize], blob[stringsOff:stringsOff+stringsSize], structOff)
	if err != nil {
		f.damage("structure: %v", err)
		f.Summary = fmt.Sprintf("device tree, version %d", version)
		return f
	}
	if images := root.child("images"); images != nil {
		checkFIT(f, r, root, images, int64(len(blob)))
		return f
	}
	f.Reason = "a device tree carries no checksum; its structure is sound"
	model := root.str("model")
	f.add("model", "%s", model)
	f.add("compatible", "%s", strings.Join(root.strs("compatible"), ", "))
	f.add("nodes", "%d", root.count())
	f.Summary = fmt.Sprintf("device tree %q, %d nodes", model, root.count())
	return f
}

// checkFIT verifies every image of a FIT against its hash nodes.
func checkFIT(f *Finding, r io.ReaderAt, root, images *fdtNode, total int64) {
	off := f.Offset
	f.Type = "fit"
	f.Verdict = OK
	external := (total + 3) &^ 3 // where data-offset counts from
	checked := 0
	for _, img := range images.children {
		data, at, ok := img.prop("data")
		switch {
		case ok:
			at += off
		case img.has("data-size"):
			n := int64(img.u32("data-size"))
			if img.has("data-position") {
				at = off + int64(img.u32("data-position"))
			} else {
				at = off + external + int64(img.u32("data-offset"))
			}
			f.Length = max(f.Length, at+n-off)
			f.payload = append(f.payload, span{at, at + n})
			checked += checkFITHashes(f, r, img, nil, at, n)
			f.add("image "+img.name, "%s", fitImageSummary(img, n))
			continue
		default:
			f.damage("image %s has no data", img.name)
			continue
		}
		f.payload = append(f.payload, span{at, at + int64(len(data))})
		checked += checkFITHashes(f, r, img, data, at, int64(len(data)))
		f.add("image "+img.name, "%s", fitImageSummary(img, int64(len(data))))
	}
	if checked == 0 && f.Verdict == OK {
		f.Verdict = Unverifiable
		f.Reason = "no image has a hash node"
	}
	desc := root.str("description")
	f.Summary = fmt.Sprintf("FIT %q, %d images, %d hashes checked", desc, len(images.children), checked)
}

func fitImageSummary(img *fdtNode, n int64) string {
	parts := []string{img.str("type")}
	for _, k := range []string{"arch", "os", "compression"} {
		if v := img.str(k); v != "" {
			parts = append(parts, k+" "+v)
		}
	}
	return fmt.Sprintf("%s, %d bytes", strings.Join(parts, ", "), n)
}

// checkFITHashes checks an image's hash nodes against its data (held in
// data, or external to the tree at at). It returns how many it checked.
func checkFITHashes(f *Finding, r io.ReaderAt, img *fdtNode, data []byte, at, n int64) int {
	checked := 0
	for _, hn := range img.children {
		if !strings.HasPrefix(hn.name, "hash") {
			continue
		}
		algo := hn.str("algo")
		want, _, _ := hn.prop("value")
		h := newFITHash(algo)
		if h == nil {
			continue
		}
		if data != nil {
			h.Write(data)
		} else if hashRange(h, r, at, n) != nil {
			f.damage("image %s: data beyond the image", img.name)
			continue
		}
		checked++
		if !bytes.Equal(h.Sum(nil), want) {
			f.damage("%s (%s) of image %s does not match", hn.name, algo, img.name)
		}
	}
	return checked
}

func newFITHash(algo string) hash.Hash {
	switch algo {
	case "crc32":
		return crc32.NewIEEE()
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha256":
		return sha256.New()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	}
	return nil
}

// fdtNode is one node of a parsed device tree.
type fdtNode struct {
	name     string
	props    []fdtProperty
	children []*fdtNode
}

type fdtProperty struct {
	name  string
	value []byte
	at    int64 // offset of the value from the start of the tree
}

// parseFDT walks the structure block, checking every token, name and
// string offset.
func parseFDT(st, strs []byte, structOff int64) (*fdtNode, error) {
	be := binary.BigEndian
	var stack []*fdtNode
	var root *fdtNode
	for pos := 0; ; {
		if pos+4 > len(st) {
			return nil, fmt.Errorf("structure ends without FDT_END")
		}
		tok := be.Uint32(st[pos:])
		pos += 4
		switch tok {
		case fdtBeginNode:
			n := bytes.IndexByte(st[pos:], 0)
			if n < 0 {
				return nil, fmt.Errorf("unterminated node name at +0x%x", pos)
			}
			node := &fdtNode{name: string(st[pos : pos+n])}
			pos = align4(pos + n + 1)
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("second root node at +0x%x", pos)
				}
				root = node
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, node)
			}
			stack = append(stack, node)
		case fdtEndNode:
			if len(stack) == 0 {
				return nil, fmt.Errorf("unbalanced end of node at +0x%x", pos-4)
			}
			stack = stack[:len(stack)-1]
		case fdtProp:
			if len(stack) == 0 || pos+8 > len(st) {
				return nil, fmt.Errorf("property outside a node at +0x%x", pos-4)
			}
			n, nameOff := int(be.Uint32(st[pos:])), int(be.Uint32(st[pos+4:]))
			pos += 8
			if n < 0 || n > len(st)-pos {
				return nil, fmt.Errorf("property length %d at +0x%x runs past the structure", n, pos-12)
			}
			if nameOff >= len(strs) || bytes.IndexByte(strs[nameOff:], 0) < 0 {
				return nil, fmt.Errorf("property name offset 0x%x outside the strings", nameOff)
			}
			name := string(strs[nameOff : nameOff+bytes.IndexByte(strs[nameOff:], 0)])
			node := stack[len(stack)-1]
			node.props = append(node.props, fdtProperty{name, st[pos : pos+n], structOff + int64(pos)})
			pos = align4(pos + n)
		case fdtNop:
		case fdtEnd:
			if len(stack) != 0 || root == nil {
				return nil, fmt.Errorf("FDT_END inside a node")
			}
			return root, nil
		default:
			return nil, fmt.Errorf("bad token 0x%x at +0x%x", tok, pos-4)
		}
	}
}

func align4(n int) int { return (n + 3) &^ 3 }

func (n *fdtNode) child(name string) *fdtNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *fdtNode) prop(name string) ([]byte, int64, bool) {
	for _, p := range n.props {
		if p.name == name {
			return p.value, p.at, true
		}
	}
	return nil, 0, false
}

func (n *fdtNode) has(name string) bool { _, _, ok := n.prop(name); return ok }

func (n *fdtNode) u32(name string) uint32 {
	v, _, _ := n.prop(name)
	if len(v) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

func (n *fdtNode) strs(name string) []string {
	v, _, _ := n.prop(name)
	var out []string
	for _, s := range bytes.Split(bytes.TrimRight(v, "\x00"), []byte{0}) {
		if len(s) > 0 {
			out = append(out, string(s))
		}
	}
	return out
}

func (n *fdtNode) str(name string) string {
	if s := n.strs(name); len(s) > 0 {
		return s[0]
	}
	return ""
}

func (n *fdtNode) count() int {
	c := 1
	for _, k := range n.children {
		c += k.count()
	}
	return c
}

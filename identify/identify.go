package identify

import (
	"fmt"
	"io"
)

// Verdict says whether a finding checks out.
type Verdict string

const (
	// OK: every check the format offers passed (checksums, decompression).
	OK Verdict = "ok"
	// Damaged: a check failed; Finding.Reason says which.
	Damaged Verdict = "damaged"
	// Unverifiable: the structure is sound but the format carries nothing to
	// check its contents against (ELF, a plain device tree, LZMA-alone).
	Unverifiable Verdict = "unverifiable"
	// Cut: the image ends inside it, and nothing else is wrong with what
	// is there: a dump whose range ended too early, not damage.
	Cut Verdict = "cut off"
)

// Finding is one thing found in an image.
type Finding struct {
	Offset    int64   `json:"offset"` // from the start of the image
	Length    int64   `json:"length"`
	Type      string  `json:"type"`
	Verdict   Verdict `json:"verdict"`
	Reason    string  `json:"reason,omitempty"` // why it is damaged or unverifiable
	Summary   string  `json:"summary"`          // one line for people
	Details   Details `json:"details,omitempty"`
	Partition string  `json:"partition,omitempty"` // from mtdparts, when the image has an environment

	// Files lists the paths inside a file system, when the detector reads them.
	Files    []string  `json:"files,omitempty"`
	Children []Finding `json:"children,omitempty"` // findings inside this one's payload

	payload  []span   // where to look for nested findings
	detector Detector // for extraction
	whole    int64    // the length its header says, where less is present
}

// Detail is one named fact about a finding.
type Detail struct{ Key, Value string }

// Details keep the order the format defines; in JSON they are one object.
type Details []Detail

// Detail returns the value of the named detail, or "".
func (f *Finding) Detail(key string) string {
	for _, d := range f.Details {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}

func (f *Finding) add(key, format string, args ...any) {
	f.Details = append(f.Details, Detail{key, fmt.Sprintf(format, args...)})
}

// damage marks the finding damaged, keeping the first reason.
func (f *Finding) damage(format string, args ...any) {
	if f.Verdict == Damaged {
		return
	}
	f.Verdict = Damaged
	f.Reason = fmt.Sprintf(format, args...)
}

// truncated marks a finding of which only have bytes are present, of the
// whole its header says (what: "superblock", "header"): damage, unless the
// scan finds the image ends there (Cut).
func (f *Finding) truncated(what string, whole, have int64) {
	f.Length, f.whole = have, whole
	f.damage("truncated: %s says %d bytes, %d present", what, whole, have)
}

// End is the offset just past the finding.
func (f *Finding) End() int64 { return f.Offset + f.Length }

// span is a byte range [off, end) of the image.
type span struct{ off, end int64 }

// Detector recognises one format.
type Detector interface {
	// Type names the format in findings ("gzip", "squashfs").
	Type() string
	// Magics are the byte strings a scan searches for. A hit need not be
	// the start of the finding (an environment is found by its variables).
	Magics() [][]byte
	// Check examines the hit at offset hit, reading no further than end.
	// It returns nil when the bytes there are not this format after all.
	Check(r io.ReaderAt, hit, end int64) *Finding
}

// Detectors returns every built-in detector, in the order ties are broken.
func Detectors() []Detector {
	return []Detector{
		uimageDetector{}, fdtDetector{}, gzipDetector{}, xzDetector{}, lzmaDetector{},
		squashfsDetector{}, romfsDetector{}, cramfsDetector{}, jffs2Detector{},
		ubiDetector{}, envDetector{}, elfDetector{}, ubootDetector{},
	}
}

// readAt reads exactly len(p) bytes at off, or fails.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// header reads n bytes at off if they lie before end.
func header(r io.ReaderAt, off, end int64, n int) []byte {
	if off < 0 || end-off < int64(n) {
		return nil
	}
	b := make([]byte, n)
	if readAt(r, b, off) != nil {
		return nil
	}
	return b
}

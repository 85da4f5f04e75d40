package dump

import "time"

// Progress is reported as lines arrive and chunks complete.
type Progress struct {
	Done, Total uint64 // bytes
	// This run's bytes by how they were verified: read from the device,
	// confirmed erased, copied from the base image; and those kept from an
	// earlier run's journal.
	Dumped, Erased, FromBase, Resumed uint64
	Retries, Resets                   int
	Reader                            string // the device's read command, e.g. md.l
	Waiting                           string // what the engine waits for, if anything

	// What this run's time went on: chunks that needed a read (ReadBytes,
	// the one being read included) and chunks verified without one
	// (SkipBytes: erased, or from the base image); Elapsed is all of it,
	// prompts and the journal too.
	ReadBytes, SkipBytes uint64
	ReadTime, SkipTime   time.Duration
	Elapsed              time.Duration
	// What the survey of the device's checksums says is left: bytes that
	// will need a read, and bytes that will not. Bytes it did not reach
	// are neither.
	ToRead, ToSkip uint64
}

// ETA estimates the time left: what is left to read at this run's reading
// rate, what is left to skip at its skipping rate, and what the survey
// did not reach as the chunks so far went. The time neither took (prompts,
// the journal, retries) is spread over both. It says false until there is
// something to measure.
func (p Progress) ETA() (time.Duration, bool) {
	if p.Done >= p.Total {
		return 0, true
	}
	if p.ReadBytes == 0 && p.ToRead+p.ToSkip == 0 || p.Elapsed <= 0 {
		return 0, false
	}
	perByte := func(t time.Duration, n uint64) float64 {
		if n == 0 {
			return 0
		}
		return t.Seconds() / float64(n)
	}
	readCost, skipCost := perByte(p.ReadTime, p.ReadBytes), perByte(p.SkipTime, p.SkipBytes)
	left := p.Total - p.Done
	unknown := left - min(left, p.ToRead+p.ToSkip)
	if readCost == 0 && (p.ToRead > 0 || unknown > 0) {
		return 0, false // nothing read yet: no rate to go by
	}
	readShare := 1.0
	if p.ReadBytes+p.SkipBytes > 0 {
		readShare = float64(p.ReadBytes) / float64(p.ReadBytes+p.SkipBytes)
	}
	secs := float64(p.ToRead)*readCost + float64(p.ToSkip)*skipCost +
		float64(unknown)*(readShare*readCost+(1-readShare)*skipCost)
	if busy := p.ReadTime + p.SkipTime; busy > 0 {
		secs *= max(p.Elapsed.Seconds()/busy.Seconds(), 1)
	}
	return time.Duration(secs * float64(time.Second)), true
}

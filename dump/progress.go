package dump

import "time"

// Progress is reported as lines arrive and chunks complete.
type Progress struct {
	Done, Total uint64 // bytes
	// Reading is what is left of the read in progress: bytes that will
	// surely cost a read.
	Reading uint64
	// This run's bytes by how they were verified: read from the device,
	// confirmed erased, copied from the base image; and those kept from an
	// earlier run's journal.
	Dumped, Erased, FromBase, Resumed uint64
	Retries, Resets                   int
	Reader                            string // the device's read command, e.g. md.l
	Waiting                           string // what the engine waits for, if anything

	// What this run's time went on: reading (Dumped bytes, and the reads
	// that failed), asking the device for checksums (Checked bytes), and
	// everything (Elapsed: prompts, the journal, recovery).
	ReadTime, CheckTime time.Duration
	Checked             uint64
	Elapsed             time.Duration
}

// ETA estimates the time left from the bytes left and this run's rates: a
// chunk costs a checksum, and a read as often as the chunks so far needed
// one (erased flash costs checksums alone). The time neither reading nor
// checking took (prompts, the journal, retries) is spread over both. It
// says false until there is something to measure.
func (p Progress) ETA() (time.Duration, bool) {
	if p.Done >= p.Total {
		return 0, true
	}
	settled := p.Dumped + p.Erased + p.FromBase
	busy := p.ReadTime + p.CheckTime
	if settled == 0 || busy <= 0 || p.Elapsed <= 0 {
		return 0, false
	}
	perByte := 0.0 // seconds a byte left will cost
	if p.Checked > 0 {
		perByte += p.CheckTime.Seconds() / float64(p.Checked)
	}
	if p.Dumped > 0 {
		readShare := float64(p.Dumped) / float64(settled)
		perByte += readShare * p.ReadTime.Seconds() / float64(p.Dumped)
	}
	overhead := p.Elapsed.Seconds() / busy.Seconds()
	secs := float64(p.Total-p.Done-p.Reading) * perByte
	if p.Dumped > 0 {
		secs += float64(p.Reading) * p.ReadTime.Seconds() / float64(p.Dumped)
	}
	return time.Duration(secs * max(overhead, 1) * float64(time.Second)), true
}

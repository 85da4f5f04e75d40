package sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Faults describes what goes wrong on a simulated line and board. All the
// randomness comes from Seed, so a run can be replayed.
type Faults struct {
	Seed       uint64
	Flip       float64       // per byte sent: the chance one of its bits flips
	Drop       float64       // per byte sent: the chance it is lost
	Dup        float64       // per byte sent: the chance it arrives twice
	Noise      float64       // per line of md output: the chance a foreign line comes first
	Stall      float64       // per line of md output: the chance the line goes quiet first
	StallFor   time.Duration // how long a stall lasts; default 3 s
	ResetAfter int64         // the board resets each time it has sent this many bytes since power-on
	ResetOnce  bool          // ... only the first time (reset=BYTES:once)
	CloseAfter int64         // the connection drops each time this many bytes went over it
}

// ParseFaults reads a fault spec such as
// "seed=7,flip=1e-5,drop=1e-6,dup=1e-6,noise=0.001,stall=0.0005:2s,reset=400000,close=300000"
// (reset=BYTES:once resets the board only the first time).
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	for _, item := range strings.Split(spec, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		key, value, ok := strings.Cut(item, "=")
		if !ok {
			return f, fmt.Errorf("fault %q: want KEY=VALUE", item)
		}
		var err error
		rate := func(p *float64) {
			if *p, err = strconv.ParseFloat(value, 64); err != nil || *p < 0 || *p > 1 {
				err = fmt.Errorf("a rate is a number from 0 to 1, such as 1e-5")
			}
		}
		count := func(p *int64) {
			if *p, err = strconv.ParseInt(value, 0, 64); err != nil || *p < 0 {
				err = fmt.Errorf("a count of bytes, such as 400000")
			}
		}
		switch key {
		case "seed":
			if f.Seed, err = strconv.ParseUint(value, 0, 64); err != nil {
				err = fmt.Errorf("a seed is a whole number, such as 7")
			}
		case "flip":
			rate(&f.Flip)
		case "drop":
			rate(&f.Drop)
		case "dup":
			rate(&f.Dup)
		case "noise":
			rate(&f.Noise)
		case "stall":
			r, d, hasD := strings.Cut(value, ":")
			value = r
			rate(&f.Stall)
			if err == nil && hasD {
				if f.StallFor, err = time.ParseDuration(d); err != nil {
					err = fmt.Errorf("a stall's length is a duration, such as 2s")
				}
			}
		case "reset":
			n, once := strings.CutSuffix(value, ":once")
			value, f.ResetOnce = n, once
			count(&f.ResetAfter)
		case "close":
			count(&f.CloseAfter)
		default:
			return f, fmt.Errorf("unknown fault %q: seed, flip, drop, dup, noise, stall, reset or close", key)
		}
		if err != nil {
			return f, fmt.Errorf("fault %q: %v", item, err)
		}
	}
	return f, nil
}

// FaultCounts says how many faults of each kind a board injected.
type FaultCounts struct {
	Flips, Drops, Dups, Noise, Stalls, Resets, Closes int64
}

type faultEvent int

const (
	faultNone faultEvent = iota
	faultReset
	faultClose
)

// faultState injects Faults; only the board's goroutine calls it, except
// for the counters.
type faultState struct {
	f          Faults
	rng        *rand.Rand
	sincePower int64
	sinceOpen  int64
	conn       int64 // the connection sinceOpen counts for
	counts     struct{ flips, drops, dups, noise, stalls, resets, closes atomic.Int64 }
}

func newFaultState(f Faults) *faultState {
	if f.StallFor == 0 {
		f.StallFor = 3 * time.Second
	}
	return &faultState{f: f, rng: rand.New(rand.NewPCG(f.Seed, 0x6661756c7473))}
}

func (s *faultState) powerOn() {
	if s != nil {
		s.sincePower = 0
	}
}

// mangle returns what of b reaches the host over connection conn, and
// whether the board resets or the connection drops after it (the bytes
// stop at that point).
func (s *faultState) mangle(b []byte, conn int64) ([]byte, faultEvent) {
	if s == nil {
		return b, faultNone
	}
	if conn != s.conn {
		s.conn, s.sinceOpen = conn, 0
	}
	event := faultNone
	if r := s.f.ResetAfter; r > 0 && s.sincePower+int64(len(b)) >= r && !(s.f.ResetOnce && s.counts.resets.Load() > 0) {
		b, event = b[:r-s.sincePower], faultReset
		s.counts.resets.Add(1)
	}
	if c := s.f.CloseAfter; c > 0 && s.sinceOpen+int64(len(b)) >= c {
		b, event = b[:c-s.sinceOpen], faultClose
		s.counts.closes.Add(1)
		s.sinceOpen = 0
	} else {
		s.sinceOpen += int64(len(b))
	}
	s.sincePower += int64(len(b))
	if s.f.Flip == 0 && s.f.Drop == 0 && s.f.Dup == 0 {
		return b, event
	}
	out := make([]byte, 0, len(b)+8)
	for _, c := range b {
		switch x := s.rng.Float64(); {
		case x < s.f.Drop:
			s.counts.drops.Add(1)
			continue
		case x < s.f.Drop+s.f.Dup:
			s.counts.dups.Add(1)
			out = append(out, c)
		case x < s.f.Drop+s.f.Dup+s.f.Flip:
			s.counts.flips.Add(1)
			c ^= 1 << s.rng.IntN(8)
		}
		out = append(out, c)
	}
	return out, event
}

// foreignLines are what lands between dump lines on real consoles.
var foreignLines = []string{
	"[   12.345678] random: crng init done",
	"** Bad block detected **",
	"WARNING: at drivers/usb/host/ehci-hcd.c:761",
	"eth0: link up (100Mbps/Full duplex)",
	"raspi_read: from:50000 len:40", // MediaTek/Ralink 1.1.3's SPI driver
	"nand_read_bbt: ECC error while reading bad block table",
	"Hit ",
}

// beforeLine may print a foreign line or stall, before a line of md output.
func (s *faultState) beforeLine(out *lineOut, sleep func(time.Duration)) {
	if s == nil {
		return
	}
	if s.f.Noise > 0 && s.rng.Float64() < s.f.Noise {
		s.counts.noise.Add(1)
		out.puts(foreignLines[s.rng.IntN(len(foreignLines))] + "\n")
	}
	if s.f.Stall > 0 && s.rng.Float64() < s.f.Stall {
		s.counts.stalls.Add(1)
		out.flush()
		sleep(s.f.StallFor)
	}
}

func (s *faultState) snapshot() FaultCounts {
	if s == nil {
		return FaultCounts{}
	}
	c := &s.counts
	return FaultCounts{c.flips.Load(), c.drops.Load(), c.dups.Load(), c.noise.Load(), c.stalls.Load(), c.resets.Load(), c.closes.Load()}
}

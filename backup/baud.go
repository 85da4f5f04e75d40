package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// Rates are the rates -b auto tries, the most common first.
var Rates = []int{115200, 57600, 38400, 19200, 9600, 230400, 460800, 921600, 1500000}

// ErrNoRate: no rate gave readable text.
var ErrNoRate = errors.New("no baud rate gave readable text")

// listenFor is how long each rate is listened to before the line is
// poked; settle how long after a rate switch what comes is dropped.
const (
	listenFor = 500 * time.Millisecond
	settle    = 100 * time.Millisecond
)

// errNoRateToFind: the port takes no rate (raw TCP, telnet): its server's
// serial port has one of its own.
var errNoRateToFind = errors.New("this port has no baud rate to find (a TCP port carries what its server is set to)")

// findBaud opens the line once and listens at each of Rates in turn, until
// one gives line-structured, printable text: the boot log, or the prompt
// answering a key. It pokes the line only where it is silent (a key typed
// into a booting board could be taken as a boot menu's choice): Ctrl-C,
// then wake where that gets no answer. It goes round the rates until ctx
// ends (a board may be switched on meanwhile).
// It returns the rate and the console at it, holding what it heard (a boot
// menu counting down must not be missed).
func findBaud(ctx context.Context, dial dialect.Dialer, opt console.Options) (int, *console.Console, error) {
	port, err := dial(ctx)
	if err != nil {
		return 0, nil, err
	}
	con := console.New(port, opt)
	rate, err := listenAtRates(ctx, con, opt.Wake, opt.Logger)
	if err != nil {
		con.Close()
		return 0, nil, err
	}
	return rate, con, nil
}

func listenAtRates(ctx context.Context, con *console.Console, wake []byte, log *slog.Logger) (int, error) {
	heard := false
	for {
		for _, rate := range Rates {
			if ok, err := con.SetBaudRate(rate); err != nil {
				return 0, err
			} else if !ok {
				return 0, errNoRateToFind
			}
			// What crossed the switch, or was queued before it, was sent
			// at another rate.
			if _, err := con.Listen(ctx, settle); err != nil {
				return 0, err
			}
			got, err := con.Listen(ctx, listenFor)
			for _, key := range [][]byte{{console.CtrlC}, wake} {
				if len(got) > 0 || err != nil || key == nil {
					break
				}
				if err = con.Write(ctx, key); err == nil {
					got, err = con.Listen(ctx, listenFor)
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					if heard {
						return 0, fmt.Errorf("%w at %v: check the wiring and the settings (8N1)", ErrNoRate, Rates)
					}
					return 0, fmt.Errorf("%w: the line stayed silent at every rate; check the wiring (TX to RX, RX to TX, GND) and that the board is powered", ErrNoRate)
				}
				return 0, err
			}
			heard = heard || len(got) > 0
			if readable(got) {
				log.Debug("readable", "baud", rate, "text", string(got[:min(len(got), 200)]))
				log.Info(fmt.Sprintf("the line speaks at %d baud", rate))
				return rate, nil
			}
			log.Debug("not this rate", "baud", rate, "bytes", len(got))
		}
	}
}

// readable: text, as a console prints at the right rate (the wrong rate
// gives bytes that are mostly not text): lines with words, or a short
// piece that is all text, such as a countdown's tick ("\b\b\b 1 ").
func readable(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	text, letters, digits := 0, 0, 0
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			letters++
			text++
		case c >= '0' && c <= '9':
			digits++
			text++
		case c >= 0x20 && c < 0x7f || c == '\r' || c == '\n' || c == '\t' || c == '\b':
			text++
		}
	}
	if text == len(b) && letters+digits > 0 {
		return true
	}
	return text*10 >= len(b)*9 && letters >= 2 && bytes.ContainsAny(b, "\r\n")
}

// FindBaud finds the rate of the line dial opens (see Rates), as
// Connection.FindBaud does, and closes it again: for tools that only talk
// (bootdump console).
func FindBaud(ctx context.Context, dial dialect.Dialer, log *slog.Logger) (int, error) {
	rate, con, err := findBaud(ctx, dial, console.Options{Logger: log, Traits: console.Traits{Wake: []byte{'\r'}}})
	if err != nil {
		return 0, err
	}
	con.Close()
	return rate, nil
}

package telnet

import (
	"context"
	"net"
	"time"
)

// Kind is what a serial server's TCP port speaks.
type Kind string

const (
	Raw     Kind = "tcp"     // no telnet: the line's bytes as they are (or a server that waits to be spoken to)
	Telnet  Kind = "telnet"  // telnet without RFC 2217: the server sets the rate
	RFC2217 Kind = "rfc2217" // telnet with RFC 2217: the client sets the rate
)

// Found is what a probe learned of one port.
type Found struct {
	Addr string
	Kind Kind
	Baud int // the server's port's rate, where RFC 2217 tells it (0: unknown)
}

// Probe connects to addr and tells what it speaks by what the server
// offers on its own: a telnet server negotiates at once, and ser2net's
// RFC 2217 accepter asks for COM-PORT-OPTION. Nothing is sent to a port
// that offers nothing (it may be a raw line to a board); an RFC 2217 one
// is asked its rate (SET-BAUDRATE 0 asks without setting).
func Probe(ctx context.Context, addr string, wait time.Duration) (Found, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	nc, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return Found{}, err
	}
	defer nc.Close()
	f := Found{Addr: addr, Kind: Raw}
	var dec decoder
	buf := make([]byte, 512)
	nc.SetReadDeadline(time.Now().Add(wait))
	for {
		n, err := nc.Read(buf)
		_, events := dec.feed(buf[:n], nil)
		for _, e := range events {
			if f.Kind == Raw {
				f.Kind = Telnet
			}
			if e.verb == do && e.option == optComPort {
				f.Kind = RFC2217
			}
		}
		if err != nil || f.Kind == RFC2217 {
			break
		}
	}
	if f.Kind != RFC2217 {
		return f, nil
	}
	nc.SetReadDeadline(time.Now().Add(wait))
	nc.Write(append([]byte{iac, will, optComPort, iac, sb, optComPort, setBaudRate, 0, 0, 0, 0}, iac, se))
	for {
		n, err := nc.Read(buf)
		_, events := dec.feed(buf[:n], nil)
		for _, e := range events {
			if e.verb == sb && len(e.sub) == 5 && e.sub[0] == setBaudRate+serverReply {
				f.Baud = int(uint32(e.sub[1])<<24 | uint32(e.sub[2])<<16 | uint32(e.sub[3])<<8 | uint32(e.sub[4]))
				return f, nil
			}
		}
		if err != nil {
			return f, nil
		}
	}
}

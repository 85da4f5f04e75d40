package telnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Options say how to dial a serial server.
type Options struct {
	// ComPort asks for RFC 2217: without it the connection is plain
	// telnet, at whatever rate the server's port is set to.
	ComPort bool
	// Baud (default 115200) and Flow ("none", "rtscts", "xonxoff") are
	// set on the server's port when ComPort is set.
	Baud int
	Flow string
	// Timeout bounds each answer the server owes (default 5 s).
	Timeout time.Duration
}

// ErrNoComPort: the server does not take RFC 2217 (it refused the
// COM-PORT-OPTION, or never answered it).
var ErrNoComPort = errors.New("the server does not speak RFC 2217")

// Conn is a telnet connection to a serial server: Read and Write carry the
// serial line's bytes, with telnet's commands taken out and its IAC bytes
// escaped.
type Conn struct {
	addr    string
	conn    net.Conn
	timeout time.Duration

	wmu     sync.Mutex // one writer on the connection at a time
	mu      sync.Mutex
	cond    *sync.Cond
	buf     []byte // data decoded and not read yet
	rerr    error  // why the connection ended
	closed  bool
	options negotiation
	answers chan event // the server's RFC 2217 answers
}

// negotiation is what each side has agreed to (mu guards it).
type negotiation struct {
	we, they  [256]bool // enabled: our WILL was taken, their WILL was taken
	willAsked [256]bool // we sent WILL and wait for DO or DONT
	doAsked   [256]bool // we sent DO and wait for WILL or WONT
	comPort   chan bool // the answer to our WILL COM-PORT-OPTION
	comPortOK bool
}

// Dial connects to a serial server at addr (HOST:PORT) and negotiates
// binary transmission both ways and, with ComPort, the port's settings.
func Dial(ctx context.Context, addr string, opt Options) (*Conn, error) {
	if opt.Timeout == 0 {
		opt.Timeout = 5 * time.Second
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &Conn{addr: addr, conn: nc, timeout: opt.Timeout, answers: make(chan event, 16)}
	c.cond = sync.NewCond(&c.mu)
	c.options.comPort = make(chan bool, 1)
	ask := []byte{iac, will, optBinary, iac, do, optBinary, iac, will, optSGA, iac, do, optSGA}
	for _, o := range []byte{optBinary, optSGA} {
		c.options.willAsked[o], c.options.doAsked[o] = true, true
	}
	if opt.ComPort {
		ask = append(ask, iac, will, optComPort)
		c.options.willAsked[optComPort] = true
	}
	go c.receive()
	if err := c.send(ask); err != nil {
		c.Close()
		return nil, err
	}
	if !opt.ComPort {
		return c, nil
	}
	if err := c.setup(ctx, opt); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// setup waits for the server to take RFC 2217, then sets the port.
func (c *Conn) setup(ctx context.Context, opt Options) error {
	select {
	case ok := <-c.options.comPort:
		if !ok {
			return fmt.Errorf("%s refused RFC 2217 (COM-PORT-OPTION): %w", c.addr, ErrNoComPort)
		}
	case <-time.After(c.timeout):
		return fmt.Errorf("%s did not answer the RFC 2217 (COM-PORT-OPTION) offer in %v: %w", c.addr, c.timeout, ErrNoComPort)
	case <-ctx.Done():
		return ctx.Err()
	}
	if opt.Baud == 0 {
		opt.Baud = 115200
	}
	control, ok := flowControls[opt.Flow]
	if !ok {
		return fmt.Errorf("flow control %q: none, rtscts or xonxoff", opt.Flow)
	}
	for _, s := range []setting{
		baudSetting(opt.Baud),
		{"data size", setDataSize, []byte{8}},
		{"parity", setParity, []byte{parityNone}},
		{"stop bits", setStopSize, []byte{stopOne}},
		{"flow control", setControl, []byte{control}},
	} {
		if err := c.set(s); err != nil {
			return err
		}
	}
	return nil
}

// receive decodes the server's stream until the connection ends.
func (c *Conn) receive() {
	var d decoder
	in := make([]byte, 32<<10)
	var data []byte
	for {
		n, err := c.conn.Read(in)
		var events []event
		data, events = d.feed(in[:n], data[:0])
		for _, e := range events {
			c.handle(e, &d)
		}
		c.mu.Lock()
		c.buf = append(c.buf, data...)
		if err != nil && c.rerr == nil {
			c.rerr = err
		}
		c.cond.Broadcast()
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// handle answers the server's option requests: binary and
// suppress-go-ahead both ways, its echo (the serial device's, passed on),
// and COM-PORT-OPTION when we offered it; every other option is refused.
func (c *Conn) handle(e event, d *decoder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := &c.options
	o := e.option
	var reply []byte
	switch e.verb {
	case sb:
		if o == optComPort && len(e.sub) > 0 {
			select {
			case c.answers <- e:
			default: // nobody waits: a notification (line or modem state)
			}
		}
		return
	case do:
		wanted := o == optBinary || o == optSGA || (o == optComPort && n.willAsked[optComPort])
		switch {
		case wanted && !n.we[o]:
			n.we[o] = true
			if !n.willAsked[o] {
				reply = []byte{iac, will, o}
			}
		case !wanted:
			reply = []byte{iac, wont, o}
		}
		if o == optComPort && n.willAsked[o] {
			n.comPortOK = true
			answer(n.comPort, true)
		}
		n.willAsked[o] = false
	case dont:
		if n.we[o] { // a change: acknowledged; otherwise nothing (RFC 854's no-loop rule)
			reply = []byte{iac, wont, o}
		}
		if o == optComPort && n.willAsked[o] {
			answer(n.comPort, false)
		}
		n.we[o], n.willAsked[o] = false, false
	case will:
		wanted := o == optBinary || o == optSGA || o == optEcho
		switch {
		case wanted && !n.they[o]:
			n.they[o] = true
			if !n.doAsked[o] {
				reply = []byte{iac, do, o}
			}
		case !wanted:
			reply = []byte{iac, dont, o}
		}
		n.doAsked[o] = false
	case wont:
		if n.they[o] {
			reply = []byte{iac, dont, o}
		}
		n.they[o], n.doAsked[o] = false, false
	}
	d.textNUL = !n.they[optBinary]
	if reply != nil {
		go c.send(reply) // not under mu: a full send buffer must not stop receive
	}
}

// answer passes on the server's answer to our offer, once.
func answer(ch chan bool, ok bool) {
	select {
	case ch <- ok:
	default:
	}
}

// send writes raw telnet bytes.
func (c *Conn) send(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.conn.Write(p)
	return err
}

// Read returns the serial line's bytes as they come.
func (c *Conn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.buf) == 0 && c.rerr == nil && !c.closed {
		c.cond.Wait()
	}
	if len(c.buf) > 0 {
		n := copy(p, c.buf)
		c.buf = c.buf[n:]
		return n, nil
	}
	if c.closed {
		return 0, net.ErrClosed
	}
	if c.rerr == io.EOF {
		return 0, fmt.Errorf("%s closed the connection: %w", c.addr, io.EOF)
	}
	return 0, c.rerr
}

// Write sends the serial line's bytes, each 0xFF doubled (and, where the
// server did not take binary mode, each CR followed by a NUL).
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	text := !c.options.we[optBinary]
	c.mu.Unlock()
	if err := c.send(escape(nil, p, text)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close ends the connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	return c.conn.Close()
}

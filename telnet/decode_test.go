package telnet

import (
	"bytes"
	"slices"
	"testing"
)

// What ser2net 4.3 (telnet(rfc2217) accepter) sent on connecting, then in
// answer to WILL COM-PORT-OPTION and SET-BAUDRATE 57600, captured.
var ser2netGreeting = []byte("\xff\xfb\x03\xff\xfd\x03\xff\xfb\x01\xff\xfe\x01\xff\xfd\x00\xff\xfb\x00\xff\xfd,\r\n=> " +
	"\xff\xfa,k\x00\xff\xf0\xff\xfd\x03" + "\xff\xfa,e\x00\x00\xe1\x00\xff\xf0")

func TestDecodeSer2net(t *testing.T) {
	var d decoder
	data, events := d.feed(ser2netGreeting, nil)
	if string(data) != "\r\n=> " {
		t.Fatalf("data %q", data)
	}
	want := []event{{will, optSGA, nil}, {do, optSGA, nil}, {will, optEcho, nil}, {dont, optEcho, nil}, {do, optBinary, nil}, {will, optBinary, nil}, {do, optComPort, nil},
		{sb, optComPort, []byte{107, 0}}, {do, optSGA, nil}, {sb, optComPort, []byte{101, 0, 0, 0xe1, 0}}}
	if !slices.EqualFunc(events, want, func(a, b event) bool { return a.verb == b.verb && a.option == b.option && bytes.Equal(a.sub, b.sub) }) {
		t.Fatalf("events\n%v\nwant\n%v", events, want)
	}
}

// A command cut anywhere by TCP decodes as the whole: fed a byte at a
// time, the greeting gives the same data and events.
func TestDecodeByteAtATime(t *testing.T) {
	var whole, split decoder
	wantData, wantEvents := whole.feed(ser2netGreeting, nil)
	var data []byte
	var events []event
	for _, c := range ser2netGreeting {
		var ev []event
		data, ev = split.feed([]byte{c}, data)
		events = append(events, ev...)
	}
	if !bytes.Equal(data, wantData) || len(events) != len(wantEvents) {
		t.Fatalf("split: %q, %d events; whole: %q, %d", data, len(events), wantData, len(wantEvents))
	}
}

// Data bytes 0xFF come through both ways (erased flash is all 0xFF); in
// text mode CR NUL is CR, and a CR is sent as CR NUL.
func TestEscapeRoundTrip(t *testing.T) {
	in := []byte{0xff, 0xff, 'a', '\r', 0, '\r', '\n', 0xff, iac, se}
	var d decoder
	if got, ev := d.feed(escape(nil, in, false), nil); !bytes.Equal(got, in) || len(ev) != 0 {
		t.Fatalf("binary: %q, %v", got, ev)
	}
	text := decoder{textNUL: true}
	got, _ := text.feed(escape(nil, []byte("md 0\r"), true), nil)
	if string(got) != "md 0\r" {
		t.Fatalf("text: %q", got)
	}
	if e := escape(nil, []byte("a\rb"), true); string(e) != "a\r\x00b" {
		t.Fatalf("text escape %q", e)
	}
}

// Whatever the server sends, the decoder never panics, decodes the same
// however TCP cuts the stream, and, once a stream leaves it between
// commands, gives back exactly what was sent escaped.
func FuzzDecode(f *testing.F) {
	f.Add(ser2netGreeting, []byte{0xff, 0, 0xff}, uint(7))
	f.Add([]byte("\xff\xfa,\xff\xff\xff\xf0"), []byte("\r\x00"), uint(3))
	f.Add([]byte("\xff\xfa\xff\xfd\x01"), []byte{}, uint(2))
	f.Fuzz(func(t *testing.T, stream, payload []byte, cut uint) {
		var whole, split decoder
		wantData, wantEvents := whole.feed(stream, nil)
		k := int(cut % uint(len(stream)+1))
		data, ev1 := split.feed(stream[:k], nil)
		data, ev2 := split.feed(stream[k:], data)
		if !bytes.Equal(data, wantData) || len(ev1)+len(ev2) != len(wantEvents) {
			t.Fatalf("cut at %d: %q and %d events; whole: %q and %d", k, data, len(ev1)+len(ev2), wantData, len(wantEvents))
		}
		if whole.state != stData {
			return
		}
		whole.textNUL = false
		got, events := whole.feed(escape(nil, payload, false), nil)
		if !bytes.Equal(got, payload) || len(events) != 0 {
			t.Fatalf("payload %q came back as %q with %v", payload, got, events)
		}
	})
}

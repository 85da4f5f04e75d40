// Package testport hands tests a TCP port for a server they start in
// another process (QEMU, ser2net), which binds it a moment later.
//
// A port found by listening on port 0 and closing again can be handed to
// another test's listener in that moment (two ser2net servers once shared
// one port, and each test's client kicked the other's out). The ports
// given here lie below Linux's ephemeral range (32768 up), which a
// listener on port 0 is never given, and each is given once per process.
package testport

import (
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
)

var ports struct {
	sync.Mutex
	next int
}

// Free returns a port on 127.0.0.1 nobody listens on, not given before.
func Free(t testing.TB) int {
	t.Helper()
	ports.Lock()
	defer ports.Unlock()
	if ports.next == 0 {
		ports.next = 20000 + os.Getpid()%10000 // away from another run's
	}
	for tries := 0; tries < 100; tries++ {
		port := ports.next
		ports.next++
		if port >= 32768 {
			port, ports.next = 20000, 20001
		}
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free TCP port between 20000 and 32767")
	return 0
}

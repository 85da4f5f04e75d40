package testport

import (
	"fmt"
	"net"
	"testing"
)

// Ports are given once each, below the ephemeral range, and are free.
func TestFree(t *testing.T) {
	seen := map[int]bool{}
	for i := 0; i < 50; i++ {
		p := Free(t)
		if seen[p] || p < 20000 || p >= 32768 {
			t.Fatalf("port %d: given before %v, or outside 20000-32767", p, seen[p])
		}
		seen[p] = true
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Fatalf("port %d is not free: %v", p, err)
		}
		l.Close()
	}
}

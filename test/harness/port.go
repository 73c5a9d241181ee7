package harness

import (
	"net"
	"strconv"
	"sync"
	"testing"
)

var (
	portsMu sync.Mutex
	// handedOut keeps FreePort from returning the same port twice in one test process,
	// which the kernel would happily do once the probe listeners are closed.
	handedOut = map[int]bool{}
)

// FreePort returns a port that is free for both UDP and TCP on 127.0.0.1, for a Corefile
// that needs a fixed port (the coredns binary, a secondary pointing at a primary). The port
// is only probed, not held: use it right away. In-process servers should use port 0 instead.
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()

	for range 100 {
		tl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("finding a free port: %v", err)
		}
		port := tl.Addr().(*net.TCPAddr).Port
		// The TCP port is free; the same number may still be taken for UDP.
		ul, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		tl.Close()
		if err != nil || handedOut[port] {
			if ul != nil {
				ul.Close()
			}
			continue
		}
		ul.Close()
		handedOut[port] = true
		return port
	}
	t.Fatalf("no port free for both UDP and TCP on 127.0.0.1 after 100 tries")
	return 0
}

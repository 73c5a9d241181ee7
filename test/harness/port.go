package harness

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// Ports handed out by FreePort come from below the kernel's ephemeral range (32768-60999
// on Linux), so no socket bound to port 0, in this process or another, can be given the
// same number between FreePort's probe and the server's bind. Go runs test packages as
// parallel processes; a lock file per port keeps them from handing out the same one.
const (
	firstFreePort = 20000
	lastFreePort  = 32767
)

var (
	portsMu sync.Mutex
	// portLocks holds the lock files of the ports this process handed out; the kernel
	// drops the locks when the process exits, however it exits.
	portLocks = map[int]*os.File{}
)

// FreePort returns a port that is free for both UDP and TCP on 127.0.0.1, for a Corefile
// that needs a fixed port (the coredns binary, a secondary pointing at a primary). The port
// is only probed, not held: use it right away. In-process servers should use port 0 instead.
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()

	dir := filepath.Join(os.TempDir(), "hostdns-test-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	for range 200 {
		port := firstFreePort + rand.IntN(lastFreePort-firstFreePort+1)
		if portLocks[port] != nil {
			continue
		}
		lock, err := lockPort(dir, port)
		if err != nil {
			continue
		}
		if !bindable(port) {
			lock.Close()
			continue
		}
		portLocks[port] = lock
		return port
	}
	t.Fatalf("no port in %d-%d free for both UDP and TCP on 127.0.0.1 after 200 tries", firstFreePort, lastFreePort)
	return 0
}

// lockPort claims port for this process against other test processes.
func lockPort(dir string, port int) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("port %d is held by another test process: %w", port, err)
	}
	return f, nil
}

// bindable reports whether nothing listens on port, over TCP or UDP, on 127.0.0.1.
func bindable(port int) bool {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tl, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	defer tl.Close()
	ul, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	ul.Close()
	return true
}

//go:build linux

package answercache

import (
	"net"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFastSocketsSpreadByCPU: in a group shared with another socket (the server's), the
// fast path finds its sockets' place, and packets received on different CPUs go to
// different fast sockets, none to the other socket.
func TestFastSocketsSpreadByCPU(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs")
	}
	server, err := listenFast("127.0.0.1:0") // joins first, as the server's socket does
	if err != nil {
		t.Fatal(err)
	}
	defer server.close()
	addr := server.conn.LocalAddr().(*net.UDPAddr)
	p := &fastPath{c: newCache([]string{"."}, 1<<20, time.Hour, false), target: addr}
	p.m = p.c.metrics.get(serverOf(t))
	for i := 0; i < 2; i++ {
		sock, err := listenFast(addr.String())
		if err != nil {
			t.Fatal(err)
		}
		l := &fastLoop{p: p, sock: sock, done: make(chan struct{})}
		p.loops = append(p.loops, l)
		go l.serve()
	}
	defer func() {
		p.close()
		for _, l := range p.loops {
			<-l.done
		}
	}()
	if err := p.claim(); err != nil {
		t.Fatal(err)
	}
	for _, l := range p.loops {
		l.probes.Store(0)
	}
	for cpu := 0; cpu < 2; cpu++ {
		sendFrom(t, cpu, addr, p.probePacket())
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && (p.loops[0].probes.Load() != 1 || p.loops[1].probes.Load() != 1) {
		time.Sleep(time.Millisecond)
	}
	if a, b := p.loops[0].probes.Load(), p.loops[1].probes.Load(); a != 1 || b != 1 {
		t.Fatalf("packets from CPU 0 and 1 reached the fast sockets %d and %d times, want once each", a, b)
	}
}

// sendFrom sends pkt to addr from a thread running on cpu (loopback delivers it there).
func sendFrom(t *testing.T, cpu int, addr *net.UDPAddr, pkt []byte) {
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var set unix.CPUSet
		set.Set(cpu)
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			done <- err
			return
		}
		c, err := net.DialUDP("udp4", nil, addr)
		if err == nil {
			_, err = c.Write(pkt)
			c.Close()
		}
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

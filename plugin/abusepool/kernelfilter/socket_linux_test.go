//go:build linux

package kernelfilter

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/abusepool/state"
)

// listen opens a UDP socket like CoreDNS's ("udp" on a host, or "udp" on [::] which is
// dual-stack) and returns it with its descriptor and inode.
func listen(t *testing.T, network, addr string) (*net.UDPConn, socket) {
	t.Helper()
	c, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Skipf("listen %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	uc := c.(*net.UDPConn)
	rc, _ := uc.SyscallConn()
	var s socket
	rc.Control(func(fd uintptr) { s.fd = int(fd) })
	inode, ok := fdInode(s.fd)
	if !ok {
		t.Fatalf("fd %d: no socket inode", s.fd)
	}
	s.inode = inode
	return uc, s
}

// send sends payload from src to dst.
func send(t *testing.T, src, dst string, payload string) {
	t.Helper()
	c, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(src), 0)), net.UDPAddrFromAddrPort(netip.MustParseAddrPort(dst)))
	if err != nil {
		t.Skipf("dial from %s: %v", src, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(payload)); err != nil {
		t.Fatal(err)
	}
}

// blocked reports whether a packet from src is dropped: it sends one from src and then a
// marker from markerSrc to 127.0.0.1 on c's port, and reads until the marker (packets on
// loopback arrive in order).
func blocked(t *testing.T, c *net.UDPConn, dst, src, markerSrc string, round int) bool {
	t.Helper()
	probe, marker := fmt.Sprintf("probe-%d", round), fmt.Sprintf("marker-%d", round)
	send(t, src, dst, probe)
	send(t, markerSrc, fmt.Sprintf("127.0.0.1:%d", c.LocalAddr().(*net.UDPAddr).Port), marker)
	seen := false
	buf := make([]byte, 512)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("waiting for %s: %v (the marker's source must never be filtered)", marker, err)
		}
		switch string(buf[:n]) {
		case probe:
			seen = true
		case marker:
			return !seen
		}
	}
}

func attachPrefixes(t *testing.T, s socket, ps ...string) {
	t.Helper()
	p, err := Build(prefixes(ps...), NetOff, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := attach(s, p.Raw); err != nil {
		t.Fatalf("attach: %v", err)
	}
}

// The source address is found at the network header (SKF_NET_OFF) on a plain IPv4
// socket: 12 bytes in.
func TestSocketIPv4(t *testing.T) {
	c, s := listen(t, "udp4", "127.0.0.1:0")
	dst := c.LocalAddr().String()
	if blocked(t, c, dst, "127.0.0.1", "127.0.0.2", 0) {
		t.Fatal("dropped with no filter")
	}
	attachPrefixes(t, s, "127.0.0.1/32", "2001:db8::/32")
	if !blocked(t, c, dst, "127.0.0.1", "127.0.0.2", 1) {
		t.Error("127.0.0.1 not dropped by 127.0.0.1/32")
	}
	if blocked(t, c, dst, "127.0.0.3", "127.0.0.2", 2) {
		t.Error("127.0.0.3 dropped")
	}
	if err := detach(s); err != nil {
		t.Fatal(err)
	}
	if blocked(t, c, dst, "127.0.0.1", "127.0.0.2", 3) {
		t.Error("dropped after detach")
	}
}

// On a dual-stack IPv6 socket an IPv4 packet (the client seen as ::ffff:127.0.0.1) still
// carries an IPv4 header at SKF_NET_OFF, and an IPv6 one its source 8 bytes in.
func TestSocketDualStack(t *testing.T) {
	c, s := listen(t, "udp", "[::]:0")
	port := c.LocalAddr().(*net.UDPAddr).Port
	dst4, dst6 := fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("[::1]:%d", port)
	attachPrefixes(t, s, "127.0.0.1/32", "::1/128")
	if !blocked(t, c, dst4, "127.0.0.1", "127.0.0.2", 1) {
		t.Error("IPv4 127.0.0.1 on a dual-stack socket not dropped")
	}
	if !blocked(t, c, dst6, "::1", "127.0.0.2", 2) {
		t.Error("IPv6 ::1 not dropped by ::1/128")
	}
	attachPrefixes(t, s, "10.0.0.0/8") // replaces the filter
	if blocked(t, c, dst6, "::1", "127.0.0.2", 3) || blocked(t, c, dst4, "127.0.0.1", "127.0.0.2", 4) {
		t.Error("the replaced filter still drops")
	}
}

// Filter finds the server's socket by its port, follows the state's rules, and detaches
// on Stop.
func TestFilterFollowsState(t *testing.T) {
	c, s := listen(t, "udp4", "127.0.0.1:0")
	dst := c.LocalAddr().String()
	port := c.LocalAddr().(*net.UDPAddr).Port
	st := state.New([]rules.Rule{{ID: "blk", Match: rules.Match{CIDR: "127.0.0.1/32"}, Action: rules.Drop, Origin: rules.FromCorefile}}, state.Options{})
	if err := st.Start(); err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	f, err := New(Options{Port: port, Hosts: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Rules: st})
	if err != nil {
		t.Fatal(err)
	}
	f.Start()
	defer f.Stop()
	round := 0
	eventually := func(what, src string, want bool) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			round++
			if blocked(t, c, dst, src, "127.0.0.2", round) == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s still blocked=%v", what, src, !want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventually("corefile rule", "127.0.0.1", true)
	if _, err := st.Put(context.Background(), rules.Rule{ID: "api", Match: rules.Match{CIDR: "127.0.0.3"}, Action: rules.Drop}); err != nil {
		t.Fatal(err)
	}
	eventually("API rule added", "127.0.0.3", true)
	if err := st.Delete(context.Background(), "api"); err != nil {
		t.Fatal(err)
	}
	eventually("API rule deleted", "127.0.0.3", false)
	if owner := sockets.owner(s.inode); owner != f {
		t.Fatalf("socket owned by %v, want the filter", owner)
	}
	f.Stop()
	if blocked(t, c, dst, "127.0.0.1", "127.0.0.2", round+1) {
		t.Error("still dropped after Stop")
	}
}

// A newer filter (a reload's) takes the socket over; the older one, stopping, leaves it.
func TestFilterReloadHandOver(t *testing.T) {
	c, _ := listen(t, "udp4", "127.0.0.1:0")
	dst := c.LocalAddr().String()
	port := c.LocalAddr().(*net.UDPAddr).Port
	mk := func(cidr string) (*Filter, *state.State) {
		st := state.New([]rules.Rule{{ID: "blk", Match: rules.Match{CIDR: cidr}, Action: rules.Drop, Origin: rules.FromCorefile}}, state.Options{})
		f, err := New(Options{Port: port, Rules: st, Rescan: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		f.Start()
		return f, st
	}
	old, _ := mk("127.0.0.1/32")
	defer old.Stop()
	waitFor(t, func(r int) bool { return blocked(t, c, dst, "127.0.0.1", "127.0.0.2", r) })
	nu, _ := mk("127.0.0.3/32")
	defer nu.Stop()
	waitFor(t, func(r int) bool { return blocked(t, c, dst, "127.0.0.3", "127.0.0.2", 1000+r) })
	old.Stop()
	for r := range 3 {
		if !blocked(t, c, dst, "127.0.0.3", "127.0.0.2", 2000+r) || blocked(t, c, dst, "127.0.0.1", "127.0.0.2", 3000+r) {
			t.Fatal("the older filter's Stop or loop changed the newer one's")
		}
	}
}

func waitFor(t *testing.T, cond func(round int) bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for r := 0; !cond(r); r++ {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 3s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServerSocketsByPort(t *testing.T) {
	c, s := listen(t, "udp4", "127.0.0.1:0")
	port := c.LocalAddr().(*net.UDPAddr).Port
	got, err := serverSockets(&Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != s {
		t.Errorf("found %v, want %v", got, s)
	}
	got, _ = serverSockets(&Options{Port: port, Hosts: []netip.Addr{netip.MustParseAddr("127.0.0.2")}})
	if len(got) != 0 {
		t.Errorf("found %v for another host", got)
	}
}

// The kernel takes a full program (binary search, far jumps) and runs it as the VM does.
func TestSocketLargeProgram(t *testing.T) {
	c, s := listen(t, "udp4", "127.0.0.1:0")
	dst := c.LocalAddr().String()
	var ps []string
	for i := range 995 {
		ps = append(ps, fmt.Sprintf("10.%d.%d.1/32", i>>8, i&0xff))
	}
	ps = append(ps, "127.0.0.1/32", "127.0.0.4/32", "2001:db8::/48", "::1/128", "192.168.0.0/16")
	p, err := Build(prefixes(ps...), NetOff, 0)
	if err != nil || p.Omitted != 0 {
		t.Fatalf("build: %v, %d omitted", err, p.Omitted)
	}
	if err := attach(s, p.Raw); err != nil {
		t.Fatalf("attach %d instructions: %v", len(p.Raw), err)
	}
	for i, src := range []string{"127.0.0.1", "127.0.0.4"} {
		if !blocked(t, c, dst, src, "127.0.0.2", i) {
			t.Errorf("%s not dropped", src)
		}
	}
	for i, src := range []string{"127.0.0.3", "127.0.0.5", "127.1.0.1"} {
		if blocked(t, c, dst, src, "127.0.0.2", 10+i) {
			t.Errorf("%s dropped", src)
		}
	}
}

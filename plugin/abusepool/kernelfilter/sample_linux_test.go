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

// dial is a UDP socket from src to dst.
func dial(t *testing.T, src, dst string) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(src), 0)), net.UDPAddrFromAddrPort(netip.MustParseAddrPort(dst)))
	if err != nil {
		t.Skipf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// arrived sends total packets from src to c, in batches of batch each followed by a marker
// from 127.0.0.2 (packets on loopback arrive in order, and a batch fits the receive buffer),
// and counts those c reads.
func arrived(t *testing.T, c *net.UDPConn, src string, total, batch int) int {
	t.Helper()
	dst := c.LocalAddr().String()
	from, marks := dial(t, src, dst), dial(t, "127.0.0.2", dst)
	got := 0
	buf := make([]byte, 512)
	for b := 0; b*batch < total; b++ {
		for range min(batch, total-b*batch) {
			if _, err := from.Write([]byte("probe")); err != nil {
				t.Fatal(err)
			}
		}
		marker := fmt.Sprintf("marker-%d", b)
		if _, err := marks.Write([]byte(marker)); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				t.Fatalf("waiting for %s: %v", marker, err)
			}
			if string(buf[:n]) == marker {
				break
			}
			got++
		}
	}
	return got
}

// The kernel lets a random 1 in N of a blocked source's packets through, and all of the
// others'. 4,096 packets at 1 in 8: the count is binomial, mean 512, standard deviation 21;
// the bounds 256 and 1024 are 12 deviations away, so the test fails by chance with a
// probability below 1e-30, and fails for certain if the sample were 1 in 4 or 1 in 16 or
// none at all.
func TestSocketSampled(t *testing.T) {
	const n, sent = 8, 4096
	c, s := listen(t, "udp4", "127.0.0.1:0")
	p, err := Build(prefixes("127.0.0.1/32", "10.0.0.0/8"), NetOff, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := attach(s, p.Raw); err != nil {
		t.Fatalf("attach: %v", err)
	}
	got := arrived(t, c, "127.0.0.1", sent, 256)
	if got < sent/n/2 || got > 2*sent/n {
		t.Errorf("%d of %d packets from a blocked source came through; want about %d (1 in %d)", got, sent, sent/n, n)
	}
	t.Logf("%d of %d came through (1 in %.1f)", got, sent, float64(sent)/float64(got))
	if got := arrived(t, c, "127.0.0.3", 512, 64); got != 512 {
		t.Errorf("%d of 512 packets from a source not blocked came through", got)
	}
}

// A Filter tells the handler which sources it samples, at its sample, following the rules;
// none once stopped.
func TestFilterSampled(t *testing.T) {
	c, _ := listen(t, "udp4", "127.0.0.1:0")
	port := c.LocalAddr().(*net.UDPAddr).Port
	st := state.New([]rules.Rule{{ID: "blk", Match: rules.Match{CIDR: "127.0.0.1/32"}, Action: rules.Drop, Origin: rules.FromCorefile}}, state.Options{})
	if err := st.Start(); err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	if _, err := New(Options{Port: port, Rules: st, Sample: 1000}); err == nil {
		t.Fatal("New took a sample that is not a power of two")
	}
	f, err := New(Options{Port: port, Rules: st, Sample: 8, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f.Start()
	defer f.Stop()
	a1, a3 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.3")
	waitFor(t, func(int) bool { return f.Sampled(a1) == 8 })
	if f.Sampled(a3) != 0 {
		t.Error("127.0.0.3 sampled without a rule")
	}
	if _, err := st.Put(context.Background(), rules.Rule{ID: "api", Match: rules.Match{CIDR: "127.0.0.3"}, Action: rules.Drop}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func(int) bool { return f.Sampled(a3) == 8 })
	if err := st.Delete(context.Background(), "api"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func(int) bool { return f.Sampled(a3) == 0 })
	f.Stop()
	if f.Sampled(a1) != 0 {
		t.Error("sampled after Stop")
	}
	var none *Filter
	if none.Sampled(a1) != 0 {
		t.Error("a nil Filter samples")
	}
}

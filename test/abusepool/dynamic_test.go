package abusepool

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// flood sends queries for name from src to addr as fast as a loop of small bursts goes,
// reading no replies, until stop is called.
func flood(t *testing.T, addr, src, name string) (stop func()) {
	t.Helper()
	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP(src)}, mustUDPAddr(t, addr))
	if err != nil {
		t.Fatal(err)
	}
	q, err := harness.Query(name, dns.TypeA).Pack()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			for range 50 {
				conn.Write(q)
			}
			// Pacing, about 2,500 qps: enough over any threshold below, without
			// starving the server of the machine's two cores.
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			conn.Close()
		})
	}
	t.Cleanup(stop)
	return stop
}

func mustUDPAddr(t *testing.T, addr string) *net.UDPAddr {
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A client flooding over the query_rate threshold gets a dynamic rule: dropped for BLOCKFOR
// while other clients are answered; then the rule expires by itself and the client is
// answered again.
func TestDynamicRuleAddedAndExpires(t *testing.T) {
	api, apiLines := newAPI(t, "")
	s := startFront(t, apiLines+lines(
		"        window 10s",
		"        buckets 10",
		"        dynamic query_rate client 100 2s 3s drop",
	))
	isDynamic := func(r apiRule) bool {
		return strings.HasPrefix(r.ID, "dyn-") && r.Origin == "dynamic" && strings.HasPrefix(r.Match["cidr"], "127.0.0.2")
	}

	stop := flood(t, s.UDP, "127.0.0.2", "www.example.org.")
	var dyn apiRule
	harness.Eventually(t, 10*time.Second, "a dynamic rule for 127.0.0.2", func() bool {
		var ok bool
		dyn, ok = findRule(api.rules(t), isDynamic)
		return ok
	})
	stop()
	if dyn.Action != "drop" {
		t.Errorf("dynamic rule %+v: want action drop", dyn)
	}
	noAnswer(t, s.UDP, "127.0.0.2", "www.example.org.", dns.TypeA, noReplyWait)
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "127.0.0.3", "www.example.org.", dns.TypeA), wwwAnswer)

	// BLOCKFOR is 3s: the rule goes by itself, and 127.0.0.2 is answered again.
	harness.Eventually(t, 10*time.Second, "the dynamic rule to expire", func() bool {
		_, ok := findRule(api.rules(t), isDynamic)
		return !ok
	})
	var m *dns.Msg
	harness.Eventually(t, 5*time.Second, "127.0.0.2 answered again", func() bool {
		c := client("udp", "127.0.0.2")
		c.Timeout = 300 * time.Millisecond
		var err error
		m, _, err = c.Exchange(harness.Query("www.example.org.", dns.TypeA), s.UDP)
		return err == nil
	})
	harness.AssertResponse(t, m, wwwAnswer)
}

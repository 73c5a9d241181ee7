package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/miekg/dns"
)

const secret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"

var key = &xfrmeta.Key{Name: "xfr.example.", Algorithm: dns.HmacSHA256, Secret: secret}

func soa(serial uint32) *dns.SOA {
	rr, err := dns.NewRR("Example.ORG. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 3600 600 86400 300")
	if err != nil {
		panic(err)
	}
	s := rr.(*dns.SOA)
	s.Serial = serial
	return s
}

// counts records the metrics hooks' calls.
type counts struct {
	mu                  sync.Mutex
	sent, acked, failed int
	errs                []error
}

func (c *counts) metrics() Metrics {
	return Metrics{
		Sent:   func(string, string) { c.mu.Lock(); c.sent++; c.mu.Unlock() },
		Acked:  func(string, string) { c.mu.Lock(); c.acked++; c.mu.Unlock() },
		Failed: func(_, _ string, err error) { c.mu.Lock(); c.failed++; c.errs = append(c.errs, err); c.mu.Unlock() },
	}
}

func (c *counts) get() (sent, acked, failed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent, c.acked, c.failed
}

// fast retries soon; its timeout is long enough that a loaded machine does not
// turn a late answer into a retry, which the tests would count.
func fast(c *counts) Options {
	return Options{Timeout: time.Second, MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, Metrics: c.metrics()}
}

// checkNotify asserts every section of a NOTIFY as the secondary got it.
func checkNotify(t *testing.T, r received, serial uint32, signed bool) {
	t.Helper()
	m := r.msg
	if m.Opcode != dns.OpcodeNotify || !m.Authoritative || m.Response || m.Rcode != dns.RcodeSuccess {
		t.Errorf("header %+v", m.MsgHdr)
	}
	if len(m.Question) != 1 || m.Question[0] != (dns.Question{Name: "example.org.", Qtype: dns.TypeSOA, Qclass: dns.ClassINET}) {
		t.Errorf("question %v", m.Question)
	}
	if len(m.Answer) != 1 || serialOf(m) != serial || m.Answer[0].Header().Name != "example.org." {
		t.Errorf("answer %v, want the SOA at serial %d", m.Answer, serial)
	}
	if len(m.Ns) != 0 {
		t.Errorf("authority %v", m.Ns)
	}
	extra := 0
	if signed {
		extra = 1
		if tsig := m.IsTsig(); tsig == nil || tsig.Hdr.Name != key.Name || r.status != nil {
			t.Errorf("TSIG %v, verified by the secondary: %v", tsig, r.status)
		}
	}
	if len(m.Extra) != extra {
		t.Errorf("additional %v", m.Extra)
	}
}

func TestNotifySigned(t *testing.T) {
	sec := startSecondary(t, map[string]string{key.Name: secret}, &secondary{})
	var c counts
	n := New(context.Background(), fast(&c))
	n.Notify(soa(2026120601), []Target{{Addr: sec.addr, Key: key}})
	n.Wait()
	got := sec.received()
	if len(got) != 1 {
		t.Fatalf("secondary got %d NOTIFYs", len(got))
	}
	checkNotify(t, got[0], 2026120601, true)
	if sent, acked, failed := c.get(); sent != 1 || acked != 1 || failed != 0 || n.Pending() != 0 {
		t.Errorf("sent %d acked %d failed %d pending %d", sent, acked, failed, n.Pending())
	}
}

func TestNotifyRetriesUntilAcknowledged(t *testing.T) {
	sec := startSecondary(t, nil, &secondary{drop: func(n int, _ uint32) bool { return n < 2 }})
	var c counts
	n := New(context.Background(), fast(&c))
	n.Notify(soa(7), []Target{{Addr: sec.addr}})
	n.Wait()
	got := sec.received()
	if len(got) != 3 {
		t.Fatalf("secondary got %d NOTIFYs, want 2 dropped and 1 answered", len(got))
	}
	for _, r := range got {
		checkNotify(t, r, 7, false)
	}
	if sent, acked, failed := c.get(); sent != 3 || acked != 1 || failed != 2 {
		t.Errorf("sent %d acked %d failed %d", sent, acked, failed)
	}
}

func TestNotifyNewerSerialSupersedes(t *testing.T) {
	var release sync.WaitGroup
	release.Add(1)
	var released bool
	var mu sync.Mutex
	sec := startSecondary(t, nil, &secondary{drop: func(int, uint32) bool { mu.Lock(); defer mu.Unlock(); return !released }})
	var c counts
	n := New(context.Background(), fast(&c))
	target := []Target{{Addr: sec.addr}}
	n.Notify(soa(4294967295), target) // serial arithmetic wraps: 1 is newer
	eventually(t, 5*time.Second, "first NOTIFY", func() bool { return len(sec.received()) > 0 })
	n.Notify(soa(1), target)
	eventually(t, 5*time.Second, "NOTIFY of the newer serial", func() bool {
		got := sec.received()
		return serialOf(got[len(got)-1].msg) == 1
	})
	n.Notify(soa(4294967295), target) // older again: ignored
	if n.Pending() != 1 {
		t.Errorf("%d pending, want one job for the zone and target", n.Pending())
	}
	mu.Lock()
	released = true
	mu.Unlock()
	n.Wait()
	got := sec.received()
	first := -1
	for i, r := range got {
		if serialOf(r.msg) == 1 && first < 0 {
			first = i
		}
		if first >= 0 && serialOf(r.msg) != 1 {
			t.Errorf("NOTIFY %d carries serial %d after the newer serial went out", i, serialOf(r.msg))
		}
	}
	if _, acked, _ := c.get(); acked != 1 || serialOf(got[len(got)-1].msg) != 1 {
		t.Errorf("acked %d, last serial %d", acked, serialOf(got[len(got)-1].msg))
	}
}

func TestNotifyWrongKeyIsNotAcknowledged(t *testing.T) {
	sec := startSecondary(t, map[string]string{key.Name: "b3RoZXJvdGhlcm90aGVy"}, &secondary{})
	var c counts
	ctx, cancel := context.WithCancel(context.Background())
	n := New(ctx, fast(&c))
	n.Notify(soa(3), []Target{{Addr: sec.addr, Key: key}})
	eventually(t, 5*time.Second, "two refused attempts", func() bool { _, _, f := c.get(); return f >= 2 })
	cancel()
	n.Wait()
	if _, acked, _ := c.get(); acked != 0 || n.Pending() != 0 {
		t.Errorf("acked %d, pending %d after the context ended", acked, n.Pending())
	}
	got := sec.received()
	if !errors.Is(got[0].status, dns.ErrSig) {
		t.Errorf("secondary's verification: %v, want a bad signature", got[0].status)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.errs[0] == nil || c.errs[0].Error() != "REFUSED" {
		t.Errorf("attempt error %v", c.errs[0])
	}
}

func TestNotifyTCPFallback(t *testing.T) {
	sec := startSecondary(t, map[string]string{key.Name: secret}, &secondary{tc: true})
	if err := Send(context.Background(), soa(9), Target{Addr: sec.addr, Key: key}, time.Second); err != nil {
		t.Fatal(err)
	}
	got := sec.received()
	if len(got) != 2 || got[0].net != "udp" || got[1].net != "tcp" {
		t.Fatalf("secondary got %d NOTIFYs: %+v", len(got), got)
	}
	checkNotify(t, got[1], 9, true)
}

func TestAcknowledges(t *testing.T) {
	m := Message(soa(1))
	ok := new(dns.Msg).SetReply(m)
	if err := acknowledges(m, ok); err != nil {
		t.Errorf("good acknowledgement: %v", err)
	}
	query := ok.Copy()
	query.Opcode = dns.OpcodeQuery
	refused := ok.Copy()
	refused.Rcode = dns.RcodeRefused
	other := ok.Copy()
	other.Question[0].Name = "example.net."
	notResponse := ok.Copy()
	notResponse.Response = false
	signed := m.Copy()
	signed.SetTsig(key.Name, key.Algorithm, 300, 0)
	for name, r := range map[string]*dns.Msg{"query opcode": query, "refused": refused, "other zone": other, "not a response": notResponse} {
		if acknowledges(m, r) == nil {
			t.Errorf("%s acknowledges", name)
		}
	}
	if acknowledges(signed, ok) == nil {
		t.Error("an unsigned answer acknowledges a signed NOTIFY")
	}
}

// TestNotifyParallelBound: with one slot, the NOTIFYs of many zones go out
// one at a time, and all are acknowledged.
func TestNotifyParallelBound(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	sec := startSecondary(t, nil, &secondary{})
	var c counts
	opt := fast(&c)
	opt.Parallel = 1
	opt.Metrics.Sent = func(string, string) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
	}
	opt.Metrics.Acked = func(string, string) { mu.Lock(); inFlight--; c.acked++; mu.Unlock() }
	n := New(context.Background(), opt)
	for i := range 20 {
		s := soa(1)
		s.Hdr.Name = fmt.Sprintf("z%d.example.", i)
		n.Notify(s, []Target{{Addr: sec.addr}})
	}
	n.Wait()
	if most != 1 || c.acked != 20 || len(sec.received()) != 20 {
		t.Errorf("at most %d in flight, %d acknowledged, %d received", most, c.acked, len(sec.received()))
	}
}

// TestNotifyNewKeySameSerial: a job retrying with a key the secondary no
// longer accepts takes the new key given with the same serial.
func TestNotifyNewKeySameSerial(t *testing.T) {
	sec := startSecondary(t, map[string]string{key.Name: secret}, &secondary{})
	var c counts
	n := New(context.Background(), fast(&c))
	stale := &xfrmeta.Key{Name: key.Name, Algorithm: key.Algorithm, Secret: "b2xkb2xkb2xkb2xk"}
	n.Notify(soa(5), []Target{{Addr: sec.addr, Key: stale}})
	eventually(t, 5*time.Second, "a refused attempt", func() bool { _, _, f := c.get(); return f >= 1 })
	n.Notify(soa(5), []Target{{Addr: sec.addr, Key: key}})
	n.Wait()
	got := sec.received()
	last := got[len(got)-1]
	checkNotify(t, last, 5, true)
	if _, acked, _ := c.get(); acked != 1 {
		t.Errorf("acked %d", acked)
	}
}

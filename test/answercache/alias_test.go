package answercache_test

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// upstream is a resolver on 127.0.0.1 for alias: it answers host.upstream.test A with an
// address the test changes, TTL ttl, and notes when it last answered.
type upstream struct {
	addr string
	ttl  uint32

	mu       sync.Mutex
	ip       string
	answered time.Time
}

func newUpstream(t *testing.T, ip string, ttl uint32) *upstream {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{addr: pc.LocalAddr().String(), ttl: ttl, ip: ip}
	srv := &dns.Server{PacketConn: pc, Handler: u}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return u
}

func (u *upstream) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = true
	u.mu.Lock()
	if q := r.Question[0]; q.Name == "host.upstream.test." && q.Qtype == dns.TypeA {
		rr, _ := dns.NewRR(fmt.Sprintf("host.upstream.test. %d IN A %s", u.ttl, u.ip))
		m.Answer = []dns.RR{rr}
		u.answered = time.Now()
	}
	u.mu.Unlock()
	w.WriteMsg(m)
}

// set changes the address and returns when the upstream last answered with the old one.
func (u *upstream) set(ip string) time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.ip = ip
	return u.answered
}

// TestAliasTTL: an ALIAS answer whose target is resolved upstream (TTL 2 s) is served from
// the cache, and no longer than the target's TTL: once the upstream's address changes, the
// new one is served at most TTL (plus some slack) after the upstream gave the old one;
// without the cache it is served after 2.0 s. An ALIAS to a name in the zone follows a
// change of that name in SQL within the freshness limit. With admission on as well as off:
// the second sighting, which admission stores, is answered from alias's memo, whose entries
// carry the stamps of the answer they were made from.
func TestAliasTTL(t *testing.T) {
	for _, admission := range []string{"off", "on"} {
		t.Run("admission "+admission, func(t *testing.T) { testAliasTTL(t, admission) })
	}
}

func testAliasTTL(t *testing.T, admission string) {
	const ttl = 2
	up := newUpstream(t, "198.51.100.1", ttl)
	m := newDB(t)
	exec(t, m, `INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (1, 'up.example.org', 'ALIAS', 'host.upstream.test', 3600, 0, 1)`)
	exec(t, m, `INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (1, 'inzone.example.org', 'ALIAS', 'www.example.org', 3600, 0, 1)`)
	s := harness.StartServer(t, fmt.Sprintf(`example.org:0 {
	answercache {
		admission %s
	}
	alias {
		upstream %s
		timeout 300ms
	}
	sqlbackend {
		driver mysql
		dsn %s
	}
}`, admission, up.addr, m.DSN))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 10*time.Second)

	ip := "198.51.100.1"
	for i := 2; i <= 4; i++ {
		got := askCached(t, s.UDP, "up.example.org.", dns.TypeA, hasA(ip))
		if a := got.Answer[0]; a.Header().Ttl > ttl {
			t.Errorf("cached ALIAS answer has TTL %d, more than the target's %d:\n%s", a.Header().Ttl, ttl, got)
		}
		ip = fmt.Sprintf("198.51.100.%d", i)
		fetched := up.set(ip)
		harness.WaitFor(t, s.UDP, "up.example.org.", dns.TypeA, hasA(ip), (ttl+2)*time.Second)
		age := time.Since(fetched)
		t.Logf("upstream change %d served %s after the upstream's last answer (TTL %ds)", i-1, age.Round(time.Millisecond), ttl)
		// Never past the upstream's TTL; half a second more for polling and scheduling.
		if limit := ttl*time.Second + 500*time.Millisecond; age > limit {
			t.Errorf("new upstream address served %s after the old one was fetched, want at most %s (TTL %ds + 0.5s)", age, limit, ttl)
		}
	}

	askCached(t, s.UDP, "inzone.example.org.", dns.TypeA, hasA("192.0.2.80"))
	start := time.Now()
	exec(t, m, `UPDATE records SET content = '192.0.2.90' WHERE name = 'www.example.org' AND type = 'A'`)
	harness.WaitFor(t, s.UDP, "inzone.example.org.", dns.TypeA, hasA("192.0.2.90"), waitLimit+time.Second)
	t.Logf("in-zone ALIAS target changed in SQL: served after %s", time.Since(start).Round(time.Millisecond))
}

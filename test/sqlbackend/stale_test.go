package sqlbackend_test

import (
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestFrozenDatabaseIsStale: a database that stops answering without closing
// its connections (SIGSTOP, a partition) shows in stale_seconds within
// seconds, long before the 10 s poll timeout fails the poll, while the
// zones keep answering from memory; once it answers again, stale_seconds
// is 0.
func TestFrozenDatabaseIsStale(t *testing.T) { eachServer(t, frozenDatabaseIsStale) }

func frozenDatabaseIsStale(t *testing.T, d *testDB) {
	setupZones(t, d)
	p := newProxy(t, d.addr, true)
	s := startSQL(t, behindProxy(t, d, p))
	harness.Eventually(t, 5*time.Second, "stale_seconds 0 while polls succeed", func() bool {
		return gauge(t, "coredns_sqlbackend_stale_seconds") == 0
	})

	p.Freeze()
	frozen := time.Now()
	harness.Eventually(t, 4*time.Second, "stale_seconds past 2 s", func() bool {
		return gauge(t, "coredns_sqlbackend_stale_seconds") > 2
	})
	if up := gauge(t, "coredns_sqlbackend_db_up"); up != 1 {
		t.Logf("db_up = %v: the poll failed already?", up)
	}
	t.Logf("stale_seconds past 2 s %s after the freeze", time.Since(frozen).Round(time.Millisecond))
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("www.example.org.", dns.TypeA), "udp"), wwwAnswer)

	p.Thaw()
	harness.Eventually(t, 5*time.Second, "stale_seconds 0 after the thaw", func() bool {
		return gauge(t, "coredns_sqlbackend_stale_seconds") == 0
	})
}

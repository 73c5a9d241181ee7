package sqlbackend_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestRedisUpSeries: without the redis option there is no redis_up series
// (a 0 would read as an outage); with it, redis_up is 1 once subscribed,
// before any change was published.
func TestRedisUpSeries(t *testing.T) {
	d := newSQLite(t)
	setupZones(t, d)
	plain := startSQL(t, d)
	harness.WaitFor(t, plain.UDP, "www.example.org.", dns.TypeA, rcodeIs(dns.RcodeSuccess), 5*time.Second)
	if got := gaugesByDatabase(t, "coredns_sqlbackend_redis_up"); len(got) != 0 {
		t.Errorf("redis_up without the redis option: %v, want no series", got)
	}

	r := harness.NewRedis(t)
	d2 := *d
	d2.dsn = d.dsn + "?mode=rw" // another source for the same file
	withRedis := startSQL(t, &d2, "redis "+r.Addr+" "+r.Key("changes"))
	harness.WaitFor(t, withRedis.UDP, "www.example.org.", dns.TypeA, rcodeIs(dns.RcodeSuccess), 5*time.Second)
	waitGauge(t, "coredns_sqlbackend_redis_up", 1)
}

// TestBadRecordsGauge: bad_records says how many bad rows there are now: it
// does not grow when their zone is rebuilt (bad_records_total does), it
// grows by one for a new bad row and falls when one is mended. "big" has
// zones big enough for changes to be patched in rather than rebuilt.
func TestBadRecordsGauge(t *testing.T) {
	t.Run("small", func(t *testing.T) { badRecordsGauge(t, false) })
	t.Run("big", func(t *testing.T) { badRecordsGauge(t, true) })
}

func badRecordsGauge(t *testing.T, big bool) {
	d := newSQLite(t)
	setupZones(t, d) // bad rows, www.example.org A 192.0.2.300 among them
	if big {
		addFiller(t, d)
	}
	s := startSQL(t, d)
	var bad float64
	harness.Eventually(t, 5*time.Second, "bad_records > 0", func() bool {
		bad, _ = only(gaugesByDatabase(t, "coredns_sqlbackend_bad_records"))
		return bad > 0
	})
	total := counterValue(t, "coredns_sqlbackend_bad_records_total", "", "")
	patches := counterValue(t, "coredns_sqlbackend_zone_patches_total", "", "")

	d.exec(t, `UPDATE records SET ttl = 61 WHERE name = 'mail.example.org' AND type = 'A'`)
	harness.WaitFor(t, s.UDP, "mail.example.org.", dns.TypeA, func(m *dns.Msg) bool {
		return len(m.Answer) > 0 && m.Answer[0].Header().Ttl == 61
	}, 5*time.Second)
	if rebuilt := counterValue(t, "coredns_sqlbackend_bad_records_total", "", "") > total; rebuilt == big {
		t.Errorf("bad_records_total counted the bad rows again: %t, want %t (a rebuild)", rebuilt, !big)
	}
	if now, _ := only(gaugesByDatabase(t, "coredns_sqlbackend_bad_records")); now != bad {
		t.Errorf("bad_records %v after the change, want %v still", now, bad)
	}

	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES ((SELECT id FROM domains WHERE name = 'example.org'), 'bad.example.org', 'A', 'not-an-address', 60, FALSE)`)
	waitGauge(t, "coredns_sqlbackend_bad_records", bad+1)
	d.exec(t, `UPDATE records SET content = '192.0.2.30' WHERE content = '192.0.2.300'`)
	d.exec(t, `DELETE FROM records WHERE name = 'bad.example.org'`)
	waitGauge(t, "coredns_sqlbackend_bad_records", bad-1)
	if patched := counterValue(t, "coredns_sqlbackend_zone_patches_total", "", "") > patches; patched != big {
		t.Errorf("changes patched in: %t, want %t", patched, big)
	}
}

// TestNotifyFloodLogsOnce: a flood of NOTIFYs (spoofable UDP) is counted
// packet by packet but logged once per 10 s, with the count.
func TestNotifyFloodLogsOnce(t *testing.T) {
	logs := captureLog(t)
	d := newSQLite(t)
	setupZones(t, d)
	s := startSQL(t, d)
	before := counterValue(t, "coredns_sqlbackend_notifies_dropped_total", "", "")
	c, err := net.Dial("udp", s.UDP)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const flood = 500
	for i := range flood {
		m := new(dns.Msg)
		m.SetNotify("example.org.")
		m.Id = uint16(i)
		p, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	// UDP loses some of a burst on the way in: wait until a good part of
	// it is counted and the count stops moving.
	last := -1.0
	harness.Eventually(t, 5*time.Second, "a fifth of the NOTIFYs counted, then no more", func() bool {
		n := counterValue(t, "coredns_sqlbackend_notifies_dropped_total", "", "") - before
		settled := n == last && n >= flood/5
		last = n
		time.Sleep(150 * time.Millisecond)
		return settled
	})
	t.Logf("%v NOTIFYs of %d counted", last, flood)
	if n := strings.Count(logs(), "Dropping notify from"); n != 1 {
		t.Errorf("%d log lines for %d NOTIFYs, want 1", n, flood)
	}
}

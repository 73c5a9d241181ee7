package sqlbackend_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// waitGauge waits until gauge name has one series, the one database the
// test serves, reading want.
func waitGauge(t *testing.T, name string, want float64) {
	t.Helper()
	harness.Eventually(t, 5*time.Second, fmt.Sprintf("%s: one series reading %v", name, want), func() bool {
		v, ok := only(gaugesByDatabase(t, name))
		return ok && v == want
	})
}

// only returns the one value of m.
func only(m map[string]float64) (float64, bool) {
	for _, v := range m {
		return v, len(m) == 1
	}
	return 0, false
}

// counterValue returns counter name's value for the series with label=value
// (the only series for label "").
func counterValue(t *testing.T, name, label, value string) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			if label == "" {
				return m.GetCounter().GetValue()
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestSignedZonesDetected: a zone with an active key in PowerDNS's
// cryptokeys table (pdnsutil secure-zone) is served unsigned; that is logged
// and counted at the first load, and keys activated or deactivated later are
// seen at the zone's next change.
func TestSignedZonesDetected(t *testing.T) { eachServer(t, signedZonesDetected) }

func signedZonesDetected(t *testing.T, d *testDB) {
	logs := captureLog(t)
	setupZones(t, d)
	org := `(SELECT id FROM domains WHERE name = 'example.org')`
	net := `(SELECT id FROM domains WHERE name = 'example.net')`
	d.exec(t, `INSERT INTO cryptokeys (domain_id, flags, active, published, content) VALUES (`+org+`, 257, TRUE, TRUE, 'Private-key-format: v1.2')`)
	d.exec(t, `INSERT INTO cryptokeys (domain_id, flags, active, published, content) VALUES (`+net+`, 257, FALSE, TRUE, 'Private-key-format: v1.2')`)
	s := startSQL(t, d)

	waitGauge(t, "coredns_sqlbackend_signed_zones_unsigned", 1)
	if l := logs(); !strings.Contains(l, "Zone example.org. has active DNSSEC keys") || strings.Contains(l, "Zone example.net. has active DNSSEC keys") {
		t.Errorf("want an error for example.org. only; log:\n%s", l)
	}
	// What the error is about: no DNSKEY.
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("example.org.", dns.TypeDNSKEY), "udp"), harness.Response{
		Authoritative: true,
		// A negative answer's SOA TTL is min(TTL, MINIMUM): RFC 2308 3.
		Ns: []string{"example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2026112101 7200 3600 1209600 300"},
	})

	// Keys change outside the change log; the zone's next change shows them.
	d.exec(t, `UPDATE cryptokeys SET active = TRUE WHERE domain_id = `+net)
	d.exec(t, `UPDATE records SET ttl = 61 WHERE name = 'www.example.net' AND type = 'A'`)
	waitGauge(t, "coredns_sqlbackend_signed_zones_unsigned", 2)
	d.exec(t, `UPDATE cryptokeys SET active = FALSE WHERE domain_id = `+org)
	d.exec(t, `UPDATE records SET ttl = 61 WHERE name = 'www.example.org' AND type = 'A'`)
	waitGauge(t, "coredns_sqlbackend_signed_zones_unsigned", 1)
}

// TestSignedZonesNoTable: a minimal schema without the cryptokeys table
// loads as before, with no signed zones and no failed query.
func TestSignedZonesNoTable(t *testing.T) {
	d := newMariaDB(t)
	setupZones(t, d)
	d.exec(t, `DROP TABLE cryptokeys`)
	errs := counterValue(t, "coredns_sqlbackend_db_errors_total", "kind", "keys")
	s := startSQL(t, d)
	d.exec(t, `UPDATE records SET ttl = 61 WHERE name = 'www.example.net' AND type = 'A'`)
	harness.WaitFor(t, s.UDP, "www.example.net.", dns.TypeA, func(m *dns.Msg) bool {
		return len(m.Answer) == 1 && m.Answer[0].Header().Ttl == 61
	}, 5*time.Second)
	waitGauge(t, "coredns_sqlbackend_signed_zones_unsigned", 0)
	if n := counterValue(t, "coredns_sqlbackend_db_errors_total", "kind", "keys") - errs; n != 0 {
		t.Errorf("%v failed cryptokeys queries, want none", n)
	}
	if n := counterValue(t, "coredns_sqlbackend_db_queries_total", "kind", "keys"); n == 0 {
		t.Error("cryptokeys was never asked")
	}
}

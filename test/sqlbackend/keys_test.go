package sqlbackend_test

import (
	"fmt"
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

// TestZoneKeys: active keys in PowerDNS's cryptokeys table (pdnsutil
// secure-zone) switch a zone to online denial: with DO, its negative answers
// carry NSEC records, unsigned (sqlsign, above sqlbackend, signs them). Keys
// are read at the first load and whenever they change, through the key
// triggers, with no change to the zone's records.
func TestZoneKeys(t *testing.T) { eachServer(t, zoneKeys) }

func zoneKeys(t *testing.T, d *testDB) {
	setupZones(t, d)
	org := `(SELECT id FROM domains WHERE name = 'example.org')`
	net := `(SELECT id FROM domains WHERE name = 'example.net')`
	key := ecdsaKeyText(t)
	d.exec(t, `INSERT INTO cryptokeys (domain_id, flags, active, published, content) VALUES (`+org+`, 257, TRUE, TRUE, '`+key+`')`)
	d.exec(t, `INSERT INTO cryptokeys (domain_id, flags, active, published, content) VALUES (`+net+`, 257, FALSE, TRUE, '`+key+`')`)
	s := startSQL(t, d)

	waitGauge(t, "coredns_sqlbackend_signed_zones", 1)
	// example.net's key is inactive: the zone is not signed, its key not counted.
	if a, i := keyGauge(t, "active"), keyGauge(t, "inactive"); a != 1 || i != 0 {
		t.Errorf("dnssec_keys: %v active, %v inactive; want 1 and 0", a, i)
	}
	if n := nsecCount(t, s, "nope.example.org."); n == 0 {
		t.Error("NXDOMAIN with DO in example.org (keys active): no NSEC")
	}
	if n := nsecCount(t, s, "nope.example.net."); n != 0 {
		t.Errorf("NXDOMAIN with DO in example.net (key inactive): %d NSEC, want none", n)
	}

	// The key triggers: no record changes.
	d.exec(t, `UPDATE cryptokeys SET active = TRUE WHERE domain_id = `+net)
	waitGauge(t, "coredns_sqlbackend_signed_zones", 2)
	if a := keyGauge(t, "active"); a != 2 {
		t.Errorf("dnssec_keys: %v active, want 2", a)
	}
	harness.Eventually(t, freshnessLimit, "NSEC in example.net once its key is active", func() bool {
		return nsecCount(t, s, "nope.example.net.") > 0
	})
	d.exec(t, `DELETE FROM cryptokeys WHERE domain_id = `+org)
	waitGauge(t, "coredns_sqlbackend_signed_zones", 1)
	harness.Eventually(t, freshnessLimit, "no NSEC in example.org once its key is gone", func() bool {
		return nsecCount(t, s, "nope.example.org.") == 0
	})
}

// keyGauge reads coredns_sqlbackend_dnssec_keys for state, of the one
// database the test serves.
func keyGauge(t *testing.T, state string) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "coredns_sqlbackend_dnssec_keys" {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.GetLabel() {
				if l.GetName() == "state" && l.GetValue() == state {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return -1
}

// ecdsaKeyText is a new ECDSA P-256 private key in the text cryptokeys
// holds (BIND's Private-key-format, as pdnsutil writes it).
func ecdsaKeyText(t *testing.T) string {
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET}, Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	p, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	return k.PrivateKeyString(p)
}

// nsecCount asks for name/A with DO and returns the NSEC records of the
// NXDOMAIN answer, after checking it is one: authoritative, the SOA in the
// authority section and no RRSIG (sqlbackend signs nothing).
func nsecCount(t *testing.T, s *harness.Server, name string) int {
	t.Helper()
	q := harness.Query(name, dns.TypeA)
	q.SetEdns0(1232, true)
	m := harness.Exchange(t, s.UDP, q, "udp")
	if m.Rcode != dns.RcodeNameError || !m.Authoritative || len(m.Answer) != 0 {
		t.Fatalf("%s: want an authoritative NXDOMAIN, got:\n%v", name, m)
	}
	n, soa := 0, 0
	for _, rr := range m.Ns {
		switch rr.Header().Rrtype {
		case dns.TypeNSEC:
			n++
		case dns.TypeSOA:
			soa++
		default:
			t.Fatalf("%s: unexpected %s in the authority section:\n%v", name, dns.TypeToString[rr.Header().Rrtype], m)
		}
	}
	if soa != 1 {
		t.Fatalf("%s: %d SOA records in the authority section, want 1:\n%v", name, soa, m)
	}
	return n
}

// TestZoneKeysNoTable: a minimal schema without the cryptokeys table loads
// as before, with no signed zones and no failed query.
func TestZoneKeysNoTable(t *testing.T) {
	d := newMariaDB(t)
	setupZones(t, d)
	d.exec(t, `DROP TABLE cryptokeys`)
	errs := counterValue(t, "coredns_sqlbackend_db_errors_total", "kind", "keys")
	s := startSQL(t, d)
	d.exec(t, `UPDATE records SET ttl = 61 WHERE name = 'www.example.net' AND type = 'A'`)
	harness.WaitFor(t, s.UDP, "www.example.net.", dns.TypeA, func(m *dns.Msg) bool {
		return len(m.Answer) == 1 && m.Answer[0].Header().Ttl == 61
	}, 5*time.Second)
	waitGauge(t, "coredns_sqlbackend_signed_zones", 0)
	if n := counterValue(t, "coredns_sqlbackend_db_errors_total", "kind", "keys") - errs; n != 0 {
		t.Errorf("%v failed cryptokeys queries, want none", n)
	}
	if n := counterValue(t, "coredns_sqlbackend_db_queries_total", "kind", "keys"); n == 0 {
		t.Error("cryptokeys was never asked")
	}
}

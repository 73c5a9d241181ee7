package sqlbackend_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

func metricValue(t *testing.T, name string) float64 { return gauge(t, name) }

func dbCounter(t *testing.T, name string) float64 {
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.Metric) > 0 {
			return mf.Metric[0].GetCounter().GetValue()
		}
	}
	return 0
}

// TestLazyLoadBounded serves 300 zones (3000 records) within max_records 500:
// every zone answers correctly, memory stays within the bound, hot zones and
// names in no zone cost no database query, and changes reach loaded and cold
// zones alike. It logs the first-answer latency of a cold zone.
func TestLazyLoadBounded(t *testing.T) {
	const zones = 300
	d := newMariaDB(t)
	for _, stmt := range strings.Split(strings.ReplaceAll(generatorSQL, "@@N@@", strconv.Itoa(zones)), ";\n") {
		if strings.TrimSpace(stmt) != "" {
			d.exec(t, stmt)
		}
	}
	s := harness.StartServer(t, ".:0 {\n\t"+d.corefileBlock("max_records 500")+"\n}")
	harness.WaitFor(t, s.UDP, "zone1.test.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 10*time.Second)

	var cold []time.Duration
	for i := 1; i <= zones; i++ {
		start := time.Now()
		resp := harness.Exchange(t, s.UDP, harness.Query(fmt.Sprintf("www.zone%d.test.", i), dns.TypeA), "udp")
		cold = append(cold, time.Since(start))
		want := harness.Response{Authoritative: true,
			Answer: []string{fmt.Sprintf("www.zone%d.test. 3600 IN A 192.0.2.80", i)},
			Ns:     []string{fmt.Sprintf("zone%d.test. 3600 IN NS ns1.zone%d.test.", i, i), fmt.Sprintf("zone%d.test. 3600 IN NS ns2.example.net.", i)},
		}
		harness.AssertResponse(t, resp, want)
	}
	if recs := metricValue(t, "coredns_sqlbackend_records"); recs > 500 {
		t.Errorf("%v records in memory, want at most max_records 500", recs)
	}
	if ev := dbCounter(t, "coredns_sqlbackend_evictions_total"); ev < zones-50 {
		t.Errorf("%v evictions, want at least %d for %d zones of 10 records in 500", ev, zones-50, zones)
	}
	t.Logf("first answer from a cold zone (one DB load): p50 %s p99 %s", percentile(cold, 0.5).Round(time.Microsecond), percentile(cold, 0.99).Round(time.Microsecond))

	// The zone just used is hot: its names, existing or not, and names in no
	// zone at all are answered without the database.
	loads := dbQueryCount(t, "zone")
	var hot []time.Duration
	for i := 0; i < 500; i++ {
		name := fmt.Sprintf("r%x.zone%d.test.", rand.Uint64(), zones)
		if i%3 == 0 {
			name = fmt.Sprintf("www.nozone%d.test.", i)
		}
		start := time.Now()
		harness.Exchange(t, s.UDP, harness.Query(name, dns.TypeA), "udp")
		hot = append(hot, time.Since(start))
	}
	if n := dbQueryCount(t, "zone"); n != loads {
		t.Errorf("hot and unknown names caused %v zone loads, want none", n-loads)
	}
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("www.nozone.test.", dns.TypeA), "udp"), harness.Response{Rcode: dns.RcodeRefused})
	t.Logf("answer from a hot zone: p50 %s", percentile(hot, 0.5).Round(time.Microsecond))

	// Changes: to the loaded zone, to an evicted one, and a new zone.
	d.exec(t, fmt.Sprintf(`UPDATE records SET content = '192.0.2.81' WHERE name = 'www.zone%d.test' AND type = 'A'`, zones))
	d.exec(t, `UPDATE records SET content = '192.0.2.82' WHERE name = 'www.zone1.test' AND type = 'A'`)
	d.exec(t, `INSERT INTO domains (id, name, type) VALUES (100000, 'fresh.test', 'NATIVE')`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES (100000, 'fresh.test', 'SOA', 'ns.fresh.test h.fresh.test 1 2 3 4 5', 60, 0), (100000, 'www.fresh.test', 'A', '192.0.2.83', 60, 0)`)
	harness.WaitFor(t, s.UDP, fmt.Sprintf("www.zone%d.test.", zones), dns.TypeA, hasA("192.0.2.81"), freshnessLimit)
	harness.WaitFor(t, s.UDP, "www.zone1.test.", dns.TypeA, hasA("192.0.2.82"), freshnessLimit)
	harness.WaitFor(t, s.UDP, "www.fresh.test.", dns.TypeA, hasA("192.0.2.83"), freshnessLimit)
}

package sqlsecondary

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// manyZonesPrimary serves zones z000.many. ... with five records each (SOA retry 5 s).
func manyZonesPrimary(t *testing.T, n int) string {
	t.Helper()
	zones := map[string][]dns.RR{}
	for i := range n {
		z := fmt.Sprintf("z%03d.many.", i)
		soa := mustRR(z + " 3600 IN SOA ns1." + z + " hostmaster." + z + " 1 3600 5 1209600 300")
		zones[z] = []dns.RR{soa, mustRR(z + " 3600 IN NS ns1." + z), mustRR("ns1." + z + " 3600 IN A 192.0.2.53"),
			mustRR("www." + z + " 300 IN A 192.0.2.80"), mustRR(z + " 300 IN MX 10 ns1." + z), soa}
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(harness.FreePort(t)))
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		rrs, ok := zones[strings.ToLower(r.Question[0].Name)]
		switch {
		case !ok:
			m.Rcode = dns.RcodeRefused
		case r.Question[0].Qtype == dns.TypeSOA:
			m.Authoritative, m.Answer = true, rrs[:1]
		case r.Question[0].Qtype == dns.TypeAXFR || r.Question[0].Qtype == dns.TypeIXFR:
			m.Authoritative, m.Answer = true, rrs
		}
		w.WriteMsg(m)
	})
	for _, network := range []string{"udp", "tcp"} {
		srv := &dns.Server{Addr: addr, Net: network, Handler: handler}
		up := make(chan error, 1)
		srv.NotifyStartedFunc = func() { up <- nil }
		go func() { up <- srv.ListenAndServe() }()
		if err := <-up; err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Shutdown() })
	}
	return addr
}

// TestManyNewZonesMariaDB: 300 SLAVE rows inserted at once are pulled by the node's 16
// workers side by side into MariaDB; every zone arrives, and none of the transfers fails
// on the database (transfers_total{result="database"}: MariaDB deadlocks between
// concurrent transfers would show there, each costing its zone a SOA retry).
func TestManyNewZonesMariaDB(t *testing.T) {
	const n = 300
	db := newMariaDB(t)
	primary := manyZonesPrimary(t, n)
	node := startNode(t, db, "node-a", 0)
	before := failures(t, "database")
	var vals []string
	for i := range n {
		vals = append(vals, fmt.Sprintf("('z%03d.many', 'SLAVE', '%s')", i, primary))
	}
	db.exec(t, `INSERT INTO domains (name, type, master) VALUES `+strings.Join(vals, ","))
	harness.Eventually(t, 2*time.Minute, "every zone transferred", func() bool {
		return db.count(t, `SELECT COUNT(DISTINCT domain_id) FROM records`) == n
	})
	waitSerial(t, node.addr, fmt.Sprintf("z%03d.many.", n-1), 1)
	if got := failures(t, "database") - before; got != 0 {
		t.Errorf("%.0f transfers failed on the database (see the log: MariaDB deadlocks between concurrent transfers)", got)
	}
	if got := db.count(t, `SELECT COUNT(*) FROM records`); got != 5*n {
		t.Errorf("%d rows, want %d", got, 5*n)
	}
}

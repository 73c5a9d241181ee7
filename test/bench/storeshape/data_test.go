// Package storeshape is an experiment for issue 18, not product code: what a
// query would cost if sqlbackend kept its zones in wire form, in one
// pointer-free byte array per zone, decoding the records of each answer,
// against the zone engine it has (plugin/sqlbackend/zone: records as dns.RR
// objects), each with 1,000 and with 100,000 zones, in one run. It answers
// the question a redesign of the engine must answer first: does a store the
// garbage collector need not mark, whose answer touches one array per zone,
// bring the cost of 100,000 zones to that of 1,000, and what does decoding
// each answer cost the 1,000 zones? See BenchmarkStoreShape.
package storeshape

import (
	"fmt"
	"net"

	"github.com/miekg/dns"
)

// zoneName is the name of zone i, as in test/bench/gobench's scale set.
func zoneName(i int) string { return fmt.Sprintf("zone%d.test.", i) }

// zoneRecords returns the ten records of zone i, the shape of the scale set
// of test/bench/gobench (docs/sqlbackend-performance.md): SOA, two NS (one
// in the zone, with glue), MX, TXT, four A, one AAAA, a wildcard.
func zoneRecords(i int) []dns.RR {
	z := zoneName(i)
	h := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: 3600}
	}
	return []dns.RR{
		&dns.SOA{Hdr: h(z, dns.TypeSOA), Ns: "ns1." + z, Mbox: "hostmaster." + z, Serial: 1, Refresh: 7200, Retry: 3600, Expire: 1209600, Minttl: 300},
		&dns.NS{Hdr: h(z, dns.TypeNS), Ns: "ns1." + z},
		&dns.NS{Hdr: h(z, dns.TypeNS), Ns: "ns2.example.net."},
		&dns.MX{Hdr: h(z, dns.TypeMX), Preference: 10, Mx: "mail." + z},
		&dns.TXT{Hdr: h(z, dns.TypeTXT), Txt: []string{"v=spf1 mx -all"}},
		&dns.A{Hdr: h("ns1."+z, dns.TypeA), A: net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)).To4()},
		&dns.A{Hdr: h("mail."+z, dns.TypeA), A: net.IPv4(192, 0, 2, 25).To4()},
		&dns.A{Hdr: h("www."+z, dns.TypeA), A: net.IPv4(192, 0, 2, 80).To4()},
		&dns.AAAA{Hdr: h("www."+z, dns.TypeAAAA), AAAA: net.ParseIP("2001:db8::80")},
		&dns.A{Hdr: h("*."+z, dns.TypeA), A: net.IPv4(192, 0, 2, 99).To4()},
	}
}

// query is query n of a run over zones, spread as test/bench/gobench's
// spreadQuery spreads them: consecutive queries in distant zones, positive
// answers, glue, a wildcard, NODATA and NXDOMAIN.
func query(n, zones int) (name string, qtype uint16) {
	const stride = 7919
	z := zoneName((n*stride)%zones + 1)
	shapes := [...]struct {
		prefix string
		qtype  uint16
	}{{"www.", dns.TypeA}, {"mail.", dns.TypeA}, {"", dns.TypeMX}, {"www.", dns.TypeAAAA}, {"x.", dns.TypeA}, {"www.", dns.TypeTXT}, {"nx.www.", dns.TypeA}}
	s := shapes[n%len(shapes)]
	return s.prefix + z, s.qtype
}

// store is one way of holding the zones: it answers a query for a name in
// the zone it found.
type store interface {
	// find returns the zone that holds qname (longest match), or false.
	find(qname string) (zoneRef, bool)
	// answer fills m's sections and rcode for qname/qtype from zone z.
	answer(z zoneRef, qname string, qtype uint16, m *dns.Msg)
}

// zoneRef is a store's handle on one zone.
type zoneRef int32

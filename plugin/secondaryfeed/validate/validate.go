// Package validate checks a zone before secondaryfeed feeds it: a zone with errors keeps
// feeding its last valid version, warnings are reported and the zone is fed. Zone checks
// the flattened records; Raw checks the raw ones (flatten.Zone runs it). Handler serves
// the per-zone reports as JSON.
//
// Rules (report.Problem.Rule) and their severities:
//
//	soa-missing        error    no SOA at the apex
//	soa-multiple       error    more than one SOA at the apex
//	ns-missing         error    no NS at the apex
//	outside-zone       error    a record whose owner is not in the zone
//	cname-apex         error    a CNAME at the apex
//	cname-beside-data  error    a CNAME beside other data (RRSIG, NSEC may sit beside it)
//	cname-multiple     error    more than one CNAME at a name
//	ns-target-cname    error    an NS target that is a CNAME in the zone (RFC 2181, 10.3)
//	mx-target-cname    warning  an MX exchange that is a CNAME in the zone (as BIND's check-mx-cname)
//	srv-target-cname   warning  an SRV target that is a CNAME in the zone (RFC 2782; check-srv-cname)
//	special-type       error    an ALIAS, POOL or URL record left after flattening
//	duplicate          warning  the same record twice (secondaries keep one, RFC 2181, 5)
//	ttl-mismatch       warning  an RRset whose records have different TTLs (RFC 2181, 5.2)
//
// Raw, on the records before flattening:
//
//	loop               error    ALIAS/POOL/CNAME records that lead back to themselves (Loops)
//	special-conflict   warning  ALIAS, POOL and URL at one name: URL, else POOL, is fed
//	special-shadowed   warning  ALIAS/URL beside the name's own A/AAAA, or any beside a CNAME
//	alias-multiple     warning  more than one ALIAS at a name: the chain answers with one
package validate

import (
	"fmt"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"

	"github.com/miekg/dns"
)

// Zone checks the records of origin (flattened: standard types only) and returns the
// problems, sorted (report.Sort).
func Zone(origin string, rrs []dns.RR) []report.Problem {
	c := &checker{origin: dns.CanonicalName(origin), z: index(rrs)}
	c.apex()
	for _, n := range c.z.order {
		c.name(n, c.z.names[n])
	}
	report.Sort(c.ps)
	return c.ps
}

type checker struct {
	origin string
	z      *zone
	ps     []report.Problem
}

func (c *checker) add(name string, t uint16, rule, severity, format string, a ...any) {
	c.ps = append(c.ps, report.Problem{Name: shown(name), Type: typeString(t), Rule: rule, Severity: severity, Detail: fmt.Sprintf(format, a...)})
}

// apex checks what the apex must hold.
func (c *checker) apex() {
	a := c.z.names[c.origin]
	if a == nil {
		a = &node{sets: map[uint16][]dns.RR{}}
	}
	switch n := len(a.sets[dns.TypeSOA]); {
	case n == 0:
		c.add(c.origin, dns.TypeSOA, "soa-missing", report.Error, "the zone has no SOA record at its apex")
	case n > 1 && !allSame(a.sets[dns.TypeSOA]):
		c.add(c.origin, dns.TypeSOA, "soa-multiple", report.Error, "the apex holds %d different SOA records", n)
	}
	if len(a.sets[dns.TypeNS]) == 0 {
		c.add(c.origin, dns.TypeNS, "ns-missing", report.Error, "the zone has no NS records at its apex")
	}
	if len(a.sets[dns.TypeCNAME]) > 0 {
		c.add(c.origin, dns.TypeCNAME, "cname-apex", report.Error, "a CNAME at the apex, where SOA and NS must be")
	}
}

// name checks the records at one name.
func (c *checker) name(n string, nm *node) {
	if !chainlookup.InZone(c.origin, n) {
		c.add(nm.written, nm.types[0], "outside-zone", report.Error, "%s is not in zone %s", shown(nm.written), c.origin)
		return
	}
	c.cname(n, nm)
	for _, t := range nm.types {
		set := nm.sets[t]
		if rrtypes.IsSpecial(t) {
			c.add(nm.written, t, "special-type", report.Error, "a %s record was not converted to standard records", typeString(t))
		}
		c.rrset(nm.written, t, set)
		c.targets(set)
	}
}

// cname checks that a CNAME is alone at its name.
func (c *checker) cname(n string, nm *node) {
	cn := nm.sets[dns.TypeCNAME]
	if len(cn) == 0 {
		return
	}
	if len(cn) > 1 && !allSame(cn) {
		c.add(nm.written, dns.TypeCNAME, "cname-multiple", report.Error, "%d CNAME records at one name", len(cn))
	}
	for _, t := range nm.types {
		switch t {
		case dns.TypeCNAME, dns.TypeRRSIG, dns.TypeNSEC:
			continue
		}
		if n == c.origin && (t == dns.TypeSOA || t == dns.TypeNS) {
			continue // cname-apex says it
		}
		c.add(nm.written, dns.TypeCNAME, "cname-beside-data", report.Error, "a CNAME beside %s records", typeString(t))
	}
}

// rrset checks one RRset for duplicates and differing TTLs.
func (c *checker) rrset(name string, t uint16, set []dns.RR) {
	seen := make(map[string]bool, len(set))
	mismatch := false
	for _, rr := range set {
		k := rdata(rr)
		if seen[k] {
			c.add(name, t, "duplicate", report.Warning, "the record %s is in the zone more than once", rr.String())
		}
		seen[k] = true
		if ttl := rr.Header().Ttl; ttl != set[0].Header().Ttl && !mismatch {
			mismatch = true
			c.add(name, t, "ttl-mismatch", report.Warning, "TTLs %d and %d in one RRset: secondaries use one of them", set[0].Header().Ttl, ttl)
		}
	}
}

// targets checks that NS, MX and SRV records do not point at in-zone CNAMEs.
func (c *checker) targets(set []dns.RR) {
	for _, rr := range set {
		rule, sev, t := "", report.Warning, ""
		switch v := rr.(type) {
		case *dns.NS:
			rule, sev, t = "ns-target-cname", report.Error, v.Ns
		case *dns.MX:
			rule, t = "mx-target-cname", v.Mx
		case *dns.SRV:
			rule, t = "srv-target-cname", v.Target
		default:
			continue
		}
		if tn := c.z.names[dns.CanonicalName(t)]; tn != nil && len(tn.sets[dns.TypeCNAME]) > 0 {
			c.add(rr.Header().Name, rr.Header().Rrtype, rule, sev, "target %s is a CNAME", t)
		}
	}
}

// shown is name as a report shows it: a record read from the wire may have an empty owner.
func shown(name string) string {
	if name == "" {
		return "(empty name)"
	}
	return name
}

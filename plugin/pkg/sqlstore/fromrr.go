package sqlstore

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
)

// FromRR returns the records row PowerDNS's tools store for rr, the inverse
// of ToRR: the owner lower case without the trailing dot, names in the rdata
// without it, MX and SRV priority in Prio, the SOA in full. ID and DomainID
// are the caller's. Writers of pulled zones (sqlsecondary) use it so that
// what they write reads back, through ToRR, to the record they were sent.
func FromRR(rr dns.RR) Row {
	h := rr.Header()
	r := Row{
		Name:    noDot(dns.CanonicalName(h.Name)),
		Type:    typeName(h.Rrtype),
		Content: strings.TrimPrefix(rr.String(), h.String()),
		TTL:     int64(h.Ttl),
	}
	switch x := rr.(type) {
	case *dns.MX:
		r.Content, r.Prio = noDot(x.Mx), int64(x.Preference)
	case *dns.SRV:
		r.Content, r.Prio = fmt.Sprintf("%d %d %s", x.Weight, x.Port, noDot(x.Target)), int64(x.Priority)
	case *dns.CNAME:
		r.Content = noDot(x.Target)
	case *dns.NS:
		r.Content = noDot(x.Ns)
	case *dns.PTR:
		r.Content = noDot(x.Ptr)
	case *dns.DNAME:
		r.Content = noDot(x.Target)
	case *dns.RFC3597:
		// A type miekg/dns does not know: RFC 3597's generic form, as PowerDNS
		// stores one (its String has a header of its own, not h's).
		r.Content = fmt.Sprintf("\\# %d %s", len(x.Rdata)/2, x.Rdata)
	case *dns.SOA:
		r.Content = fmt.Sprintf("%s %s %d %d %d %d %d", noDot(x.Ns), noDot(x.Mbox), x.Serial, x.Refresh, x.Retry, x.Expire, x.Minttl)
	}
	if a, ok := rrtypes.AsALIAS(rr); ok {
		r.Content = noDot(a.Target)
	}
	if p, ok := rrtypes.AsPOOL(rr); ok {
		r.Content = fmt.Sprintf("%s %d", noDot(p.Target), p.Weight)
	}
	return r
}

// typeName is the type column for t: its mnemonic, or TYPEnnn for a type
// miekg/dns has no name for (ToRR reads both).
func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}

// noDot writes a name as PowerDNS stores it: without the trailing dot, but
// the root.
func noDot(name string) string {
	if name == "." {
		return name
	}
	return strings.TrimSuffix(name, ".")
}

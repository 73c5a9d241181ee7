package report

import (
	"strings"

	"github.com/miekg/dns"
)

// zoneSet tells the zone of a query name, for grouping: the zones given on the command
// line, and those learned from the answers: the owner of a SOA record (every negative answer
// carries its zone's), and of the NS records in the authority section of an authoritative
// answer (a referral's NS, not authoritative, name the child instead). Longest match first.
type zoneSet struct {
	known map[string]bool
}

// maxLearnedZones bounds what a replay learns, against a capture of random names in
// countless zones.
const maxLearnedZones = 100000

func newZoneSet(zones []string) *zoneSet {
	z := &zoneSet{known: map[string]bool{}}
	for _, name := range zones {
		z.known[dns.Fqdn(strings.ToLower(name))] = true
	}
	return z
}

func (z *zoneSet) learn(m *dns.Msg) {
	if m == nil || len(z.known) >= maxLearnedZones {
		return
	}
	for _, rrs := range [][]dns.RR{m.Answer, m.Ns} {
		for _, rr := range rrs {
			if rr.Header().Rrtype == dns.TypeSOA {
				z.known[strings.ToLower(rr.Header().Name)] = true
			}
		}
	}
	if m.Authoritative {
		for _, rr := range m.Ns {
			if rr.Header().Rrtype == dns.TypeNS {
				z.known[strings.ToLower(rr.Header().Name)] = true
			}
		}
	}
}

// unknownZone groups the names in no known zone.
const unknownZone = "unknown"

// of learns from the answers a and b, and returns the zone of name.
func (z *zoneSet) of(name string, a, b *dns.Msg) string {
	z.learn(a)
	z.learn(b)
	return z.lookup(strings.ToLower(name))
}

// lookup returns the longest known zone that holds name (in lower case), or unknownZone.
func (z *zoneSet) lookup(name string) string {
	for off, end := 0, false; !end; off, end = dns.NextLabel(name, off) {
		if z.known[name[off:]] {
			return name[off:]
		}
	}
	if z.known["."] {
		return "."
	}
	return unknownZone
}

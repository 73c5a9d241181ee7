package dnssec_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// dnsCase is one question to the validating resolver and what its user must
// see.
type dnsCase struct {
	name   string
	qname  string
	qtype  uint16
	rcode  int
	secure bool // AD set
	// answer is the answer section without RRSIGs, "owner type rdata" with
	// no TTL (Unbound counts TTLs down); nil for none.
	answer []string
	// denial: the authority section holds the SOA and, when secure, the
	// zone's NSEC or NSEC3 records proving the name or type absent.
	denial bool
	// wildcard: the answer was expanded from a wildcard, so its RRSIG has
	// fewer labels than its owner (RFC 4035 5.3.4).
	wildcard bool
}

// cases run against every signing variant and both servers.
var cases = []dnsCase{
	{name: "apex SOA", qname: origin, qtype: dns.TypeSOA, secure: true,
		answer: []string{"example.org. SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300"}},
	{name: "positive", qname: "www.example.org.", qtype: dns.TypeA, secure: true,
		answer: []string{"www.example.org. A 192.0.2.10"}},
	{name: "nxdomain", qname: "nope.example.org.", qtype: dns.TypeA, rcode: dns.RcodeNameError, secure: true, denial: true},
	{name: "nodata", qname: "www.example.org.", qtype: dns.TypeAAAA, secure: true, denial: true},
	{name: "wildcard", qname: "host.wild.example.org.", qtype: dns.TypeTXT, secure: true, wildcard: true,
		answer: []string{`host.wild.example.org. TXT "wildcard"`}},
	{name: "wildcard nodata", qname: "host.wild.example.org.", qtype: dns.TypeA, secure: true, denial: true},
	{name: "ent nodata", qname: "b.ent.example.org.", qtype: dns.TypeA, secure: true, denial: true},
	{name: "below ent", qname: "a.b.ent.example.org.", qtype: dns.TypeA, secure: true,
		answer: []string{"a.b.ent.example.org. A 192.0.2.20"}},
	{name: "secure delegation DS", qname: "sub.example.org.", qtype: dns.TypeDS, secure: true,
		answer: []string{"sub.example.org. DS 12345 13 2 8a1d9f5a0e1d3c5b7a9f1e3d5c7b9a1f3e5d7c9b1a3f5e7d9c1b3a5f7e9d1c3b"}},
	{name: "insecure delegation DS", qname: "insec.example.org.", qtype: dns.TypeDS, secure: true, denial: true},
	{name: "below insecure delegation", qname: "host.insec.example.org.", qtype: dns.TypeA, secure: false,
		answer: []string{"host.insec.example.org. A 192.0.2.99"}},
}

// runCases asks resolver every case and checks each answer.
func runCases(t *testing.T, resolver string, s signing) {
	t.Helper()
	for _, c := range cases {
		checkCase(t, harness.Validate(t, resolver, c.qname, c.qtype), c, s)
	}
}

// checkCase reports every way m differs from what c promises.
func checkCase(t *testing.T, m *dns.Msg, c dnsCase, s signing) {
	t.Helper()
	var diffs []string
	if m.Rcode != c.rcode {
		diffs = append(diffs, "rcode "+dns.RcodeToString[m.Rcode]+", want "+dns.RcodeToString[c.rcode])
	}
	if m.AuthenticatedData != c.secure {
		diffs = append(diffs, "AD is "+yes(m.AuthenticatedData)+", want "+yes(c.secure))
	}
	if got, want := withoutTTL(m.Answer, dns.TypeRRSIG), normalize(t, c.answer); !slices.Equal(got, want) {
		diffs = append(diffs, "answer "+strings.Join(got, " | ")+", want "+strings.Join(want, " | "))
	}
	if c.secure {
		diffs = append(diffs, unsigned("answer", m.Answer)...)
		diffs = append(diffs, unsigned("authority", m.Ns)...)
	}
	if c.denial {
		diffs = append(diffs, denialDiffs(m, c.secure, s)...)
	}
	if c.wildcard {
		diffs = append(diffs, wildcardDiffs(m)...)
	}
	if len(diffs) > 0 {
		t.Errorf("%s: %s %s:\n  %s\nEDE: %s\n%v", c.name, c.qname, dns.TypeToString[c.qtype],
			strings.Join(diffs, "\n  "), harness.EDE(m), m)
	}
}

// denialDiffs checks a negative answer's authority: the SOA, and when secure
// the zone's kind of denial and not the other (RFC 4035 3.1.3, RFC 5155 7.2).
func denialDiffs(m *dns.Msg, secure bool, s signing) []string {
	var diffs []string
	types := map[uint16]bool{}
	for _, rr := range m.Ns {
		types[rr.Header().Rrtype] = true
	}
	if !types[dns.TypeSOA] {
		diffs = append(diffs, "no SOA in the authority section")
	}
	if !secure {
		return diffs
	}
	other := uint16(dns.TypeNSEC3)
	if s.denial() == dns.TypeNSEC3 {
		other = dns.TypeNSEC
	}
	if !types[s.denial()] {
		diffs = append(diffs, "no "+dns.TypeToString[s.denial()]+" in the authority section")
	}
	if types[other] {
		diffs = append(diffs, dns.TypeToString[other]+" in the authority section of a zone using "+dns.TypeToString[s.denial()])
	}
	return diffs
}

// wildcardDiffs checks that the answer's RRSIGs are a wildcard's.
func wildcardDiffs(m *dns.Msg) []string {
	for _, rr := range m.Answer {
		if sig, ok := rr.(*dns.RRSIG); ok && int(sig.Labels) >= dns.CountLabel(sig.Hdr.Name) {
			return []string{"RRSIG labels " + strconv.Itoa(int(sig.Labels)) + ": not a wildcard expansion"}
		}
	}
	return nil
}

// unsigned lists the RRsets of section that no RRSIG covers.
func unsigned(section string, rrs []dns.RR) []string {
	covered := map[string]bool{}
	for _, rr := range rrs {
		if sig, ok := rr.(*dns.RRSIG); ok {
			covered[strings.ToLower(sig.Hdr.Name)+"/"+dns.TypeToString[sig.TypeCovered]] = true
		}
	}
	var diffs []string
	for _, rr := range rrs {
		key := strings.ToLower(rr.Header().Name) + "/" + dns.TypeToString[rr.Header().Rrtype]
		if rr.Header().Rrtype != dns.TypeRRSIG && !covered[key] {
			diffs = append(diffs, section+": no RRSIG for "+key)
			covered[key] = true // once per RRset
		}
	}
	return diffs
}

// withoutTTL prints rrs, but those of type skip, sorted, with TTL 0.
func withoutTTL(rrs []dns.RR, skip uint16) []string {
	var out []string
	for _, rr := range rrs {
		if rr.Header().Rrtype == skip {
			continue
		}
		rr = dns.Copy(rr)
		rr.Header().Ttl = 0
		out = append(out, rr.String())
	}
	slices.Sort(out)
	return out
}

// normalize parses want's lines and prints them as withoutTTL does.
func normalize(t *testing.T, want []string) []string {
	t.Helper()
	var rrs []dns.RR
	for _, s := range want {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("case record %q: %v", s, err)
		}
		rrs = append(rrs, rr)
	}
	return withoutTTL(rrs, 0)
}

func yes(b bool) string {
	if b {
		return "set"
	}
	return "clear"
}

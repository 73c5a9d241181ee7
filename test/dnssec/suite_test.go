package dnssec_test

import (
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// keyChangeLimit bounds how long a server may take to serve a key change made
// with pdnsutil.
const keyChangeLimit = 10 * time.Second

// authority is a server under test: start serves the zone of f's database
// and returns the one address, UDP and TCP, that Unbound is to ask.
type authority struct {
	name  string
	start func(t *testing.T, f *fixture) string
}

// testValidation runs every case for every signing variant.
func testValidation(t *testing.T, a authority) {
	insec := startInsec(t)
	for _, s := range signings {
		t.Run(s.name, func(t *testing.T) {
			f := newFixture(t, s)
			addr := a.start(t, f)
			u := resolver(t, addr, insec, f.anchors(t))
			runCases(t, u.Addr, s)
			checkDNSKEY(t, u.Addr, publishedTags(t, f))
			// Asked again, hostdns answers from what it keeps for names
			// asked twice (NSEC3 white lies, wildcard expansions, whole
			// signed answers): a second resolver, its cache empty, must
			// validate those answers too.
			askTwice(t, addr)
			runCases(t, resolver(t, addr, insec, f.anchors(t)).Addr, s)
		})
	}
}

// askTwice asks addr every case's question, with DO, twice.
func askTwice(t *testing.T, addr string) {
	t.Helper()
	for range 2 {
		for _, c := range cases {
			harness.Exchange(t, addr, harness.WithEDNS(harness.Query(c.qname, c.qtype), 1232, true), "udp")
		}
	}
}

// testTamper: with a trust anchor made from another key, every answer of the
// zone is bogus: SERVFAIL, no AD, no data, and an Extended DNS Error.
func testTamper(t *testing.T, a authority) {
	f := newFixture(t, signings[0])
	addr := a.start(t, f)
	other := &dns.DNSKEY{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	if _, err := other.Generate(256); err != nil {
		t.Fatal(err)
	}
	u := resolver(t, addr, startInsec(t), []dns.RR{other.ToDS(dns.SHA256)})
	for _, c := range cases[:4] {
		m := harness.Validate(t, u.Addr, c.qname, c.qtype)
		if m.Rcode != dns.RcodeServerFailure || m.AuthenticatedData || len(m.Answer) > 0 || harness.EDE(m) == "" {
			t.Errorf("%s with a foreign trust anchor: want SERVFAIL with an EDE, no AD, no answer; got\n%v", c.name, m)
		}
	}
}

// testKeyChange: a ZSK added and activated with pdnsutil is served within
// keyChangeLimit, and the zone still validates.
func testKeyChange(t *testing.T, a authority) {
	f := newFixture(t, signings[0])
	addr := a.start(t, f)
	id := f.pdu.AddZoneKey(t, origin, "zsk", "inactive", "published", dns.ECDSAP256SHA256)
	f.pdu.ActivateZoneKey(t, origin, id)
	tag := keyTag(t, f, id)
	harness.Eventually(t, keyChangeLimit, "the new ZSK in the served DNSKEY set", func() bool {
		return slices.Contains(servedKeys(t, addr), tag)
	})
	u := resolver(t, addr, startInsec(t), f.anchors(t))
	runCases(t, u.Addr, signings[0])
	checkDNSKEY(t, u.Addr, publishedTags(t, f))
}

// checkDNSKEY asks the resolver for the zone's DNSKEY set: validated, and
// made of the keys with tags want.
func checkDNSKEY(t *testing.T, resolver string, want []uint16) {
	t.Helper()
	m := harness.Validate(t, resolver, origin, dns.TypeDNSKEY)
	var got []uint16
	for _, rr := range m.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok {
			got = append(got, k.KeyTag())
		}
	}
	slices.Sort(got)
	if m.Rcode != dns.RcodeSuccess || !m.AuthenticatedData || !slices.Equal(got, want) {
		t.Errorf("DNSKEY: got rcode %s, AD %v, key tags %v; want NOERROR, AD, key tags %v\nEDE: %s\n%v",
			dns.RcodeToString[m.Rcode], m.AuthenticatedData, got, want, harness.EDE(m), m)
	}
}

// publishedTags returns the key tags of the zone's published keys, sorted.
func publishedTags(t *testing.T, f *fixture) []uint16 {
	t.Helper()
	var tags []uint16
	for _, k := range f.pdu.ListKeys(t, origin) {
		if k.Published {
			tags = append(tags, k.Tag)
		}
	}
	slices.Sort(tags)
	return tags
}

// keyTag returns the key tag of key id.
func keyTag(t *testing.T, f *fixture, id int) uint16 {
	t.Helper()
	for _, k := range f.pdu.ListKeys(t, origin) {
		if k.ID == id {
			return k.Tag
		}
	}
	t.Fatalf("no key with id %d", id)
	return 0
}

// servedKeys returns the key tags of the DNSKEY set the authority at addr
// serves, sorted.
func servedKeys(t testing.TB, addr string) []uint16 {
	t.Helper()
	var tags []uint16
	for _, rr := range askAuthority(t, addr, origin, dns.TypeDNSKEY).Answer {
		if k, ok := rr.(*dns.DNSKEY); ok {
			tags = append(tags, k.KeyTag())
		}
	}
	slices.Sort(tags)
	return tags
}

// signers returns the key tags of the RRSIGs over qname's qtype RRset that
// the authority at addr serves, sorted.
func signers(t testing.TB, addr, qname string, qtype uint16) []uint16 {
	t.Helper()
	var tags []uint16
	for _, rr := range askAuthority(t, addr, qname, qtype).Answer {
		if sig, ok := rr.(*dns.RRSIG); ok && sig.TypeCovered == qtype {
			tags = append(tags, sig.KeyTag)
		}
	}
	slices.Sort(tags)
	return tags
}

// askAuthority asks the authority at addr directly, DO set, over TCP: a
// DNSKEY set in a rollover does not always fit in UDP.
func askAuthority(t testing.TB, addr, qname string, qtype uint16) *dns.Msg {
	t.Helper()
	return harness.Exchange(t, addr, harness.WithEDNS(harness.Query(qname, qtype), 4096, true), "tcp")
}

// testCDS: with PUBLISH-CDS set (pdnsutil set-publish-cds), the apex has a
// CDS for each KSK, the DS a registrar is given (RFC 7344 4), and it
// validates.
func testCDS(t *testing.T, a authority) {
	f := newFixture(t, signings[0])
	f.pdu.SetPublishCDS(t, origin, dns.SHA256)
	addr := a.start(t, f)
	var want []string
	for _, ds := range f.anchors(t) {
		want = append(want, ds.(*dns.DS).ToCDS().String())
	}
	u := resolver(t, addr, startInsec(t), f.anchors(t))
	checkCase(t, harness.Validate(t, u.Addr, origin, dns.TypeCDS), dnsCase{
		name: "CDS", qname: origin, qtype: dns.TypeCDS, secure: true, answer: want,
	}, signings[0])
}

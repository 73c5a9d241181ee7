package urlredirect

import (
	"context"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

func ask(t *testing.T, r *Redirect, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	if _, err := r.ServeDNS(context.Background(), rec, m); err != nil {
		t.Fatal(err)
	}
	if rec.Msg == nil {
		t.Fatalf("%s %d: nothing written", name, qtype)
	}
	return rec.Msg
}

func TestServeDNS(t *testing.T) {
	z := newZone(t,
		`go.example.org. 120 IN URL "https://www.example.com/" 302`,
		`go.example.org. 120 IN TXT "hello"`,
		`both.example.org. 60 IN URL "https://www.example.com/"`,
		`both.example.org. 60 IN A 198.51.100.7`,
		`plain.example.org. 60 IN TXT "x"`,
	)
	r := newTestRedirect(z, false)
	soa := test.SOA(testSOA)
	cases := []test.Case{
		{Qname: "go.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{test.A("go.example.org. 120 IN A 192.0.2.10")}},
		{Qname: "go.example.org.", Qtype: dns.TypeAAAA, Answer: []dns.RR{test.AAAA("go.example.org. 120 IN AAAA 2001:db8::10")}},
		{Qname: "go.example.org.", Qtype: dns.TypeTXT, Answer: []dns.RR{test.TXT(`go.example.org. 120 IN TXT "hello"`)}},
		{Qname: "go.example.org.", Qtype: dns.TypeMX, Ns: []dns.RR{soa}},
		// An address record of its own wins.
		{Qname: "both.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{test.A("both.example.org. 60 IN A 198.51.100.7")}},
		{Qname: "plain.example.org.", Qtype: dns.TypeA, Ns: []dns.RR{soa}},
		{Qname: "none.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Ns: []dns.RR{soa}},
	}
	for _, tc := range cases {
		got := ask(t, r, tc.Qname, tc.Qtype)
		if err := test.SortAndCheck(got, tc); err != nil {
			t.Errorf("%s %s: %v\n%s", tc.Qname, dns.TypeToString[tc.Qtype], err, got)
		}
		if !got.Authoritative {
			t.Errorf("%s: not authoritative", tc.Qname)
		}
	}
	// The raw record for a URL query.
	got := ask(t, r, "go.example.org.", rrtypes.TypeURL)
	if len(got.Answer) != 1 || got.Answer[0].String() != "go.example.org.\t120\tIN\tURL\t\"https://www.example.com/\" 302" {
		t.Errorf("URL query:\n%s", got)
	}
}

// Without an address of the family asked for, the NODATA stands.
func TestServeDNSNoAddresses(t *testing.T) {
	z := newZone(t, `go.example.org. 120 IN URL "https://www.example.com/"`)
	r := newTestRedirect(z, false)
	r.v6 = nil
	got := ask(t, r, "go.example.org.", dns.TypeAAAA)
	if err := test.SortAndCheck(got, test.Case{Qname: "go.example.org.", Qtype: dns.TypeAAAA, Ns: []dns.RR{test.SOA(testSOA)}}); err != nil {
		t.Error(err)
	}
	if z.asks() != 0 {
		t.Errorf("asked the zone for URL records %d times without addresses to give", z.asks())
	}
}

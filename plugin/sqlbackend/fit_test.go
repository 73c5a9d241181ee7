package sqlbackend

import (
	"fmt"
	"testing"

	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"

	"github.com/miekg/dns"
)

// bigNS is an apex NS set that overflows 512 octets with any answer.
func bigNS() []dns.RR {
	var rrs []dns.RR
	for i := range 14 {
		rrs = append(rrs, test.NS(fmt.Sprintf("example.org. 3600 IN NS a-rather-long-name-server-%02d.dns-provider.example.net.", i)))
	}
	return rrs
}

func TestFitOptional(t *testing.T) {
	answer := []dns.RR{test.A("www.example.org. 300 IN A 192.0.2.1")}
	glue := []dns.RR{test.A("mail.example.org. 300 IN A 192.0.2.25")}
	soa := []dns.RR{test.SOA("example.org. 300 IN SOA ns1.example.org. h.example.org. 1 7200 3600 1209600 300")}
	for _, tc := range []struct {
		name              string
		edns              uint16 // 0: no OPT
		rcode             int
		answer, ns, extra []dns.RR
		wantNS, wantExtra int
		wantTC            bool // after the server's own truncation
	}{
		{"fits: nothing dropped", 4096, dns.RcodeSuccess, answer, bigNS(), glue, 14, 1, false},
		{"no EDNS: authority dropped", 0, dns.RcodeSuccess, answer, bigNS(), glue, 0, 1, false},
		{"EDNS 512: authority dropped", 512, dns.RcodeSuccess, answer, bigNS(), glue, 0, 1, false},
		{"negative answer keeps its SOA", 0, dns.RcodeNameError, nil, soa, nil, 1, 0, false},
		{"referral untouched, truncated by the server", 0, dns.RcodeSuccess, nil, bigNS(), glue, 14, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := new(dns.Msg)
			req.SetQuestion("www.example.org.", dns.TypeA)
			if tc.edns > 0 {
				req.SetEdns0(tc.edns, false)
			}
			state := request.Request{W: &test.ResponseWriter{}, Req: req}
			m := new(dns.Msg)
			m.SetReply(req)
			m.Rcode = tc.rcode
			m.Answer, m.Ns, m.Extra = tc.answer, tc.ns, tc.extra
			if tc.wantNS == 0 && !state.Scrub(m.Copy()).Truncated {
				t.Fatal("premise: without fitOptional the server's truncation should set TC")
			}
			fitOptional(state, m)
			if len(m.Ns) != tc.wantNS || len(m.Extra) != tc.wantExtra {
				t.Fatalf("after fitOptional: %d authority, %d additional records; want %d, %d", len(m.Ns), len(m.Extra), tc.wantNS, tc.wantExtra)
			}
			// What the client gets: the server's own truncation must find
			// nothing to cut in a positive answer, so TC stays clear.
			out := state.Scrub(m)
			if out.Truncated != tc.wantTC {
				t.Errorf("TC=%t after the server's truncation, want %t", out.Truncated, tc.wantTC)
			}
		})
	}
}

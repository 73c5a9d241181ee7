// Package secondaryfeed tests secondaryfeed's parts against real services: the flatten
// results store in Redis, and the zones it builds read by BIND's named-checkzone.
package secondaryfeed

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/hostdns/hostdns/plugin/pkg/rrtypes" // ALIAS, POOL, URL in zone text

	"github.com/miekg/dns"
)

const origin = "example.org."

const zoneText = `
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
@ 300 IN ALIAS lb.example.net.
@ 300 IN MX 10 mail
mail 300 IN A 192.0.2.25
www 60 IN POOL b.example.net. 5
www 60 IN POOL a.example.net. 5
go 300 IN URL "https://www.example.com/" 302
`

func parse(t testing.TB, text string) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "test")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("zone text: %v", err)
	}
	return rrs
}

// chain answers A and AAAA for every name with addresses derived from base, or SERVFAIL.
type chain struct {
	mu   sync.Mutex
	base byte
	fail bool
	n    int
}

func (c *chain) lookup(_ context.Context, name string, qtype uint16) *dns.Msg {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.Response, m.Authoritative = true, true
	if c.fail {
		m.Rcode = dns.RcodeServerFailure
		return m
	}
	hdr := dns.RR_Header{Name: name, Rrtype: qtype, Class: dns.ClassINET, Ttl: 120}
	switch qtype {
	case dns.TypeA:
		m.Answer = []dns.RR{&dns.A{Hdr: hdr, A: []byte{198, 51, 100, c.base}}}
	case dns.TypeAAAA:
		m.Answer = []dns.RR{&dns.AAAA{Hdr: hdr, AAAA: append(make([]byte, 15), c.base)}}
	}
	return m
}

func (c *chain) set(base byte, fail bool) {
	c.mu.Lock()
	c.base, c.fail = base, fail
	c.mu.Unlock()
}

func (c *chain) asked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func texts(rrs []dns.RR) string {
	s := make([]string, len(rrs))
	for i, rr := range rrs {
		s[i] = rr.String()
	}
	return strings.Join(s, "\n")
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

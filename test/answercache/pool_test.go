package answercache_test

import (
	"testing"

	"github.com/miekg/dns"
)

// TestPoolNotFrozen: a POOL answer is drawn per query, so the cache must never keep one
// draw: with the cache (admission off: the first answer would be stored) every member
// still shows up, and no answer comes from the cache.
func TestPoolNotFrozen(t *testing.T) {
	m := newDB(t)
	exec(t, m, `INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (1, 'lb.example.org', 'POOL', 'www.example.org 1', 60, 0, 1)`)
	exec(t, m, `INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (1, 'lb.example.org', 'POOL', 'mail.example.org 1', 60, 0, 1)`)
	s := start(t, sqlBlock(m.DSN, "answercache {\n\t\tadmission off\n\t}", "pool"))
	before := hits(t)
	seen := map[string]int{}
	for i := 0; i < 100; i++ {
		for _, qt := range []uint16{dns.TypeA, dns.TypeCNAME} {
			r := ask(t, s.UDP, "lb.example.org.", qt)
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
				t.Fatalf("lb.example.org %s: no answer:\n%s", dns.TypeToString[qt], r)
			}
			c, ok := r.Answer[0].(*dns.CNAME)
			if !ok {
				t.Fatalf("lb.example.org %s: the answer does not start with the CNAME:\n%s", dns.TypeToString[qt], r)
			}
			seen[dns.TypeToString[qt]+" "+c.Target]++
		}
	}
	if len(seen) != 4 {
		t.Errorf("members drawn: %v, want both for A and for CNAME (a frozen answer draws one)", seen)
	}
	if n := hits(t) - before; n != 0 {
		t.Errorf("%v POOL answers came from the cache, want none", n)
	}
}

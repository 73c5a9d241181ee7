package sqlbackend_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestExampleDNSSEC starts corefile-examples/dnssec-sql and checks what its
// comments promise: DNSKEY signed by the KSK, answers (the apex ALIAS's
// included) and NXDOMAIN proofs signed by the ZSK, each RRSIG verified
// against the served DNSKEYs, the same when answercache serves them.
func TestExampleDNSSEC(t *testing.T) {
	root := harness.ModuleRoot(t)
	s := harness.StartServer(t, exampleCorefile(t, "dnssec-sql", map[string]string{
		"corefile-examples/dnssec-sql/zones.db":  filepath.Join(t.TempDir(), "zones.db"),
		"corefile-examples/dnssec-sql/zones.sql": filepath.Join(root, "corefile-examples/dnssec-sql/zones.sql"),
	}))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 5*time.Second)

	keys := doQuery(t, s, "example.org.", dns.TypeDNSKEY)
	dnskeys := map[uint16]*dns.DNSKEY{}
	for _, rr := range keys.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok {
			dnskeys[k.KeyTag()] = k
		}
	}
	if len(dnskeys) != 2 {
		t.Fatalf("want the 2 published keys, got:\n%v", keys)
	}
	verifySections(t, keys, dnskeys, map[uint16]int{dns.TypeDNSKEY: 1})

	www := doQuery(t, s, "www.example.org.", dns.TypeA)
	harness.AssertRRs(t, "www answer", onlyType(www.Answer, dns.TypeA), []string{"www.example.org. 3600 IN A 192.0.2.80"})
	verifySections(t, www, dnskeys, map[uint16]int{dns.TypeA: 1, dns.TypeNS: 1})

	apex := doQuery(t, s, "example.org.", dns.TypeA) // the ALIAS, answered by alias
	harness.AssertRRs(t, "apex answer", onlyType(apex.Answer, dns.TypeA), []string{"example.org. 60 IN A 192.0.2.80"})
	verifySections(t, apex, dnskeys, map[uint16]int{dns.TypeA: 1, dns.TypeNS: 1})

	user := doQuery(t, s, "bob.users.example.org.", dns.TypeTXT) // from the wildcard
	harness.AssertRRs(t, "wildcard answer", onlyType(user.Answer, dns.TypeTXT), []string{`bob.users.example.org. 3600 IN TXT "a user page"`})
	verifySections(t, user, dnskeys, map[uint16]int{dns.TypeTXT: 1, dns.TypeNS: 1, dns.TypeNSEC: 1})
	for _, rr := range user.Answer {
		// RFC 4034 3.1.3: the Labels of *.users.example.org., which tells
		// the validator the answer was expanded.
		if sig, ok := rr.(*dns.RRSIG); ok && sig.Labels != 3 {
			t.Errorf("wildcard answer's RRSIG has Labels %d, want 3: %v", sig.Labels, sig)
		}
	}

	nx := doQuery(t, s, "nope.example.org.", dns.TypeA)
	if nx.Rcode != dns.RcodeNameError {
		t.Fatalf("nope.example.org.: want NXDOMAIN, got:\n%v", nx)
	}
	verifySections(t, nx, dnskeys, map[uint16]int{dns.TypeSOA: 1, dns.TypeNSEC: 2})
}

// doQuery asks with DO over TCP (signed answers may not fit 512 octets)
// three times and returns the third answer, which the example's answercache
// serves (it keeps an answer the second time it is asked): it must be the
// first one, as signed then.
func doQuery(t *testing.T, s *harness.Server, name string, qtype uint16) *dns.Msg {
	t.Helper()
	var first, m *dns.Msg
	for range 3 {
		q := harness.Query(name, qtype)
		q.SetEdns0(4096, true)
		m = harness.Exchange(t, s.TCP, q, "tcp")
		if !m.Authoritative {
			t.Fatalf("%s: not authoritative:\n%v", name, m)
		}
		if first == nil {
			first = m
		}
	}
	m.Id = first.Id
	if m.String() != first.String() {
		t.Fatalf("%s asked a third time:\n%v\nwant, as first answered:\n%v", name, m, first)
	}
	return m
}

func onlyType(rrs []dns.RR, t uint16) (out []dns.RR) {
	for _, rr := range rrs {
		if rr.Header().Rrtype == t {
			out = append(out, rr)
		}
	}
	return out
}

// verifySections checks that every RRset of the answer and authority
// sections has a valid RRSIG by one of keys, and that the RRsets of each type
// number as want says.
func verifySections(t *testing.T, m *dns.Msg, keys map[uint16]*dns.DNSKEY, want map[uint16]int) {
	t.Helper()
	type set struct {
		name  string
		rtype uint16
	}
	rrsets, sigs := map[set][]dns.RR{}, map[set][]*dns.RRSIG{}
	for _, rr := range append(append([]dns.RR{}, m.Answer...), m.Ns...) {
		h := rr.Header()
		if sig, ok := rr.(*dns.RRSIG); ok {
			k := set{dns.CanonicalName(h.Name), sig.TypeCovered}
			sigs[k] = append(sigs[k], sig)
			continue
		}
		k := set{dns.CanonicalName(h.Name), h.Rrtype}
		rrsets[k] = append(rrsets[k], rr)
	}
	got := map[uint16]int{}
	for k, rrs := range rrsets {
		got[k.rtype]++
		if len(sigs[k]) == 0 {
			t.Errorf("%s %s: no RRSIG in\n%v", k.name, dns.TypeToString[k.rtype], m)
			continue
		}
		for _, sig := range sigs[k] {
			key := keys[sig.KeyTag]
			if key == nil {
				t.Errorf("%s %s: RRSIG by unknown key %d", k.name, dns.TypeToString[k.rtype], sig.KeyTag)
				continue
			}
			if err := verifyRRSIG(sig, key, rrs); err != nil {
				t.Errorf("%s %s: RRSIG by %d: %v", k.name, dns.TypeToString[k.rtype], sig.KeyTag, err)
			}
		}
	}
	for rtype, n := range want {
		if got[rtype] != n {
			t.Errorf("%d %s RRsets, want %d:\n%v", got[rtype], dns.TypeToString[rtype], n, m)
		}
	}
}

// verifyRRSIG verifies sig over rrs in its validity period. An expanded
// wildcard's RRSIG (fewer Labels than the owner has) is verified over the
// wildcard's owner, as a validator does: RRSIG.Verify does that itself.
func verifyRRSIG(sig *dns.RRSIG, key *dns.DNSKEY, rrs []dns.RR) error {
	if !sig.ValidityPeriod(time.Now()) {
		return errValidity
	}
	return sig.Verify(key, rrs)
}

type validityError struct{}

func (validityError) Error() string { return "outside its validity period" }

var errValidity error = validityError{}

package sqlsign

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestCacheHit(t *testing.T) {
	w := newWorld(t)
	made := func() float64 {
		return counter(t, signaturesMade.WithLabelValues("", "ECDSAP256SHA256"))
	}
	first := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	before, hits := made(), counter(t, cacheHits.WithLabelValues(""))
	second := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	// A 0x20 spelling of the owner is the same RRset to sign.
	w.data["www.example.org./A"].Answer = rrs(t, "WwW.eXample.org. 60 IN A 192.0.2.2", "WwW.eXample.org. 60 IN A 192.0.2.1")
	third := ask(t, w.s, "WwW.eXample.org.", dns.TypeA, true)
	if got := made(); got != before {
		t.Fatalf("the same answer made %v new signatures", got-before)
	}
	if got := counter(t, cacheHits.WithLabelValues("")) - hits; got != 4 {
		t.Fatalf("%v cache hits, want 4 (2 RRsets, twice)", got)
	}
	first.Id, second.Id = 0, 0
	if first.String() != second.String() {
		t.Fatalf("cached answer differs:\n%s\n%s", first, second)
	}
	checkSigned(t, "answer", verifySection(t, w.src, third.Answer), map[string][]uint16{"www.example.org./A": {tagOf(w.org, false)}})
	if third.Answer[2].Header().Name != "WwW.eXample.org." {
		t.Fatalf("RRSIG owner %s, want the answer's spelling", third.Answer[2].Header().Name)
	}

	// Another RRset (a changed record) is not served the old signature.
	w.data["www.example.org./A"].Answer = rrs(t, "www.example.org. 60 IN A 192.0.2.3")
	fourth := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	checkSigned(t, "answer", verifySection(t, w.src, fourth.Answer), map[string][]uint16{"www.example.org./A": {tagOf(w.org, false)}})
	if made() != before+1 {
		t.Fatalf("changed RRset: %v signatures made, want 1", made()-before)
	}
}

// The next week's inception never reuses this week's signature.
func TestCacheNewWeek(t *testing.T) {
	w := newWorld(t)
	ask(t, w.s, "www.ed.test.", dns.TypeTXT, true)
	made := counter(t, signaturesMade.WithLabelValues("", "ED25519"))
	w.s.now = func() time.Time { return fixedNow.Add(7 * 24 * time.Hour) }
	m := ask(t, w.s, "www.ed.test.", dns.TypeTXT, true)
	if got := counter(t, signaturesMade.WithLabelValues("", "ED25519")) - made; got != 1 {
		t.Fatalf("%v signatures made in the new week, want 1", got)
	}
	sig := m.Answer[1].(*dns.RRSIG)
	if !sig.ValidityPeriod(fixedNow.Add(7 * 24 * time.Hour)) {
		t.Fatalf("signature %s not valid in the new week", sig)
	}
}

func TestCacheBound(t *testing.T) {
	for _, size := range []int{1, 3, 63, 64, 65, 1000} {
		c := newSigCache(size)
		total := 0
		for _, s := range c.shards {
			total += s.size
		}
		if total != size {
			t.Fatalf("size %d: shards hold %d", size, total)
		}
		hot := sigKey{a: 1 << 40, b: 7}
		c.add(hot, &dns.RRSIG{KeyTag: 1})
		for i := range 20 * size {
			c.get(hot) // read between insertions: CLOCK keeps it
			c.add(sigKey{a: uint64(i), b: uint64(i)}, &dns.RRSIG{})
		}
		if n := c.entries(); n > size || n != countEntries(c) {
			t.Fatalf("size %d: %d entries (counted %d)", size, n, countEntries(c))
		}
		// A one-slot shard always evicts; a bigger one gives a second chance.
		if _, ok := c.get(hot); !ok && c.shard(hot).size > 1 {
			t.Fatalf("size %d: an entry read at every insertion was evicted", size)
		}
	}
}

func countEntries(c *sigCache) int {
	n := 0
	for _, s := range c.shards {
		if len(s.index) != len(s.slots) {
			panic("index and slots disagree")
		}
		n += len(s.index)
	}
	return n
}

func TestLowerOwner(t *testing.T) {
	for _, name := range []string{"WWW.Example.ORG.", "a.B.", ".", `x\.Y.z.`} {
		rr := &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET}}
		buf := make([]byte, dns.Len(rr))
		n, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		lowerOwner(buf[:n])
		got, _, err := dns.UnpackDomainName(buf, 0)
		if err != nil || got != strings.ToLower(name) {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
}

// Concurrent answers, for the race detector, and one signature per RRset
// and key however many ask at once.
func TestConcurrent(t *testing.T) {
	w := newWorld(t)
	before := counter(t, signaturesMade.WithLabelValues("", "ED25519"))
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				m := ask(t, w.s, "www.ed.test.", dns.TypeTXT, true)
				if len(m.Answer) != 2 {
					t.Errorf("answer %v", m.Answer)
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	// A few may race between the cache miss and singleflight; never one per query.
	if made := counter(t, signaturesMade.WithLabelValues("", "ED25519")) - before; made < 1 || made > 8 {
		t.Fatalf("%v signatures made for one RRset", made)
	}
}

// TestIdentityEntries: an entry found by identity answers only for the very
// records it was stored with, and its key changes with any of them.
func TestIdentityEntries(t *testing.T) {
	a1, _ := dns.NewRR("www.example.org. 300 IN A 192.0.2.1")
	a2, _ := dns.NewRR("www.example.org. 300 IN A 192.0.2.2")
	a2same, _ := dns.NewRR("www.example.org. 300 IN A 192.0.2.2") // same text, other record
	set := []dns.RR{a1, a2}
	sig := &dns.RRSIG{KeyTag: 1}
	c := newSigCache(16)
	k := identityKey("example.org.", set, 1, dns.ECDSAP256SHA256, 10, 20)
	c.addIdentical(k, set, sig)
	if got, ok := c.getIdentical(k, []dns.RR{a1, a2}); !ok || got != sig {
		t.Errorf("the same records: %v, %v; want the stored signature", got, ok)
	}
	if _, ok := c.getIdentical(k, []dns.RR{a1, a2same}); ok {
		t.Error("a record replaced by an equal one under the same key: hit, want a miss")
	}
	if _, ok := c.getIdentical(k, []dns.RR{a1}); ok {
		t.Error("a shorter RRset under the same key: hit, want a miss")
	}
	for name, other := range map[string]sigKey{
		"other records": identityKey("example.org.", []dns.RR{a1, a2same}, 1, dns.ECDSAP256SHA256, 10, 20),
		"other key":     identityKey("example.org.", set, 2, dns.ECDSAP256SHA256, 10, 20),
		"other week":    identityKey("example.org.", set, 1, dns.ECDSAP256SHA256, 11, 21),
		"other signer":  identityKey("example.net.", set, 1, dns.ECDSAP256SHA256, 10, 20),
	} {
		if other == k {
			t.Errorf("%s: same identity key", name)
		}
	}
}

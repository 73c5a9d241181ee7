package zone

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// snapshot records every answer a zone gives to the differential queries.
func snapshot(z *Zone) map[string]string {
	out := map[string]string{}
	served := servedZones{z}
	names := append([]string{"www.example.org.", "mail.example.org.", "new.example.org.", "example.org.", "ns1.example.org."}, diffNames...)
	for _, n := range names {
		for _, ty := range diffTypes {
			a := z.Lookup(context.Background(), Query{Name: n, Type: ty}, served)
			out[n+"/"+dns.TypeToString[ty]] = show(a)
		}
	}
	return out
}

func TestPatch(t *testing.T) {
	z := build(t, "example.org.", parseZone(t, richZone))
	before := snapshot(z)
	records := z.Records()
	oldSOA := z.SOA()
	www := z.RRset("www.example.org.", dns.TypeA)
	mail := z.Owner("mail.example.org.")

	newSOA := mustRR(t, "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2 7200 3600 1209600 300")
	newA := mustRR(t, "WWW.example.org. 300 IN A 192.0.2.180")
	newName := mustRR(t, "new.example.org. 300 IN TXT fresh")
	dupOfZone := mustRR(t, "www.example.org. 999 IN A 192.0.2.81") // equal to a record z keeps
	dupOfAdd := mustRR(t, "new.example.org. 1 IN TXT fresh")
	del := append([]dns.RR{oldSOA, www[0]}, mail...)
	nz, held, err := z.Patch(del, []dns.RR{newSOA, newA, newName, dupOfZone, dupOfAdd})
	if err != nil {
		t.Fatal(err)
	}
	if held[0] != newSOA || held[1] != newA || held[2] != newName || held[3] != www[1] || held[4] != newName {
		t.Errorf("held %v", held)
	}
	if nz.SOA() != newSOA || nz.SOA().Serial != 2 || nz.Records() != records-len(del)+3 {
		t.Errorf("new version: SOA %v, %d records (was %d)", nz.SOA(), nz.Records(), records)
	}
	if got := nz.RRset("www.example.org.", dns.TypeA); len(got) != 2 || got[0] != www[1] || got[1] != newA {
		t.Errorf("www A in the new version: %v", got)
	}
	if nz.Owner("mail.example.org.") != nil || nz.RRset("new.example.org.", dns.TypeTXT) == nil {
		t.Error("the new version lacks a change")
	}
	a := nz.Lookup(context.Background(), Query{Name: "example.org.", Type: dns.TypeMX}, servedZones{nz})
	if len(a.Answer) != 2 || len(a.Extra) != 0 {
		t.Errorf("MX to a deleted mail host still has its addresses: %s", show(a))
	}
	// Copy on write: the old version answers exactly as before.
	if after := snapshot(z); !equalMaps(before, after) {
		t.Error("the old version changed")
	}
	if z.SOA() != oldSOA || z.Records() != records || len(z.Owner("mail.example.org.")) != 2 {
		t.Error("the old version's data changed")
	}
	var walked int
	nz.Walk(func(string, []dns.RR) bool { walked++; return true })
	if nz.Prev("new.example.org.") == "" || nz.Next("new.example.org.") == "" || walked == 0 {
		t.Error("the new version's order is broken")
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestPatchErrors(t *testing.T) {
	z := build(t, "example.org.", parseZone(t, richZone))
	before := snapshot(z)
	soa := z.SOA()
	copyOfWWW := dns.Copy(z.RRset("www.example.org.", dns.TypeA)[0])
	for _, c := range []struct {
		name     string
		del, add []dns.RR
		why      string
	}{
		{"a copy is not the record held", []dns.RR{copyOfWWW}, nil, "not held"},
		{"deleted twice", []dns.RR{soa, soa}, []dns.RR{mustRR(t, "example.org. 1 IN SOA a. b. 2 1 1 1 1")}, "not held"},
		{"outside the zone", nil, []dns.RR{mustRR(t, "www.example.net. 300 IN A 192.0.2.1")}, "outside"},
		{"no SOA left", []dns.RR{soa}, nil, "0 SOA"},
		{"a second SOA", nil, []dns.RR{mustRR(t, "example.org. 1 IN SOA a. b. 2 1 1 1 1")}, "2 SOA"},
		{"an SOA below the apex", nil, []dns.RR{mustRR(t, "x.example.org. 1 IN SOA a. b. 2 1 1 1 1")}, "not at the apex"},
	} {
		nz, held, err := z.Patch(c.del, c.add)
		if err == nil || !strings.Contains(err.Error(), c.why) || nz != nil || held != nil {
			t.Errorf("%s: zone %v, held %v, err %v; want an error saying %q", c.name, nz, held, err, c.why)
		}
	}
	if after := snapshot(z); !equalMaps(before, after) {
		t.Error("a failed patch changed the zone")
	}
}

// TestPatchConcurrent reads versions while others are made from them; run
// with -race.
func TestPatchConcurrent(t *testing.T) {
	z := build(t, "example.org.", parseZone(t, richZone))
	var (
		mu       sync.Mutex
		versions = []*Zone{z}
		wg       sync.WaitGroup
		stop     = make(chan struct{})
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				v := versions[len(versions)-1]
				old := versions[0]
				mu.Unlock()
				for _, q := range []Query{{Name: "www.example.org.", Type: dns.TypeA}, {Name: "foo.example.org.", Type: dns.TypeMX}, {Name: "example.org.", Type: dns.TypeSOA}} {
					v.Lookup(context.Background(), q, servedZones{v})
					if a := old.Lookup(context.Background(), q, servedZones{old}); q.Type == dns.TypeSOA && a.Answer[0].(*dns.SOA).Serial != 1 {
						t.Error("the first version's SOA changed")
					}
				}
				v.Walk(func(string, []dns.RR) bool { return true })
				// Patching the same version concurrently is allowed too.
				rr, err := dns.NewRR("race.example.org. 1 IN A 192.0.2.1")
				if err != nil {
					t.Error(err)
					return
				}
				if _, _, err := v.Patch(nil, []dns.RR{rr}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for i := range 200 {
		mu.Lock()
		v := versions[len(versions)-1]
		mu.Unlock()
		soa := v.SOA()
		next := dns.Copy(soa).(*dns.SOA)
		next.Serial = soa.Serial + 1
		host := mustRR(t, "h"+strings.Repeat("x", i%7)+".example.org. 300 IN A 192.0.2.7")
		nz, _, err := v.Patch([]dns.RR{soa}, []dns.RR{next, host})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		versions = append(versions, nz)
		mu.Unlock()
	}
	close(stop)
	wg.Wait()
}

// TestPatchSmall: a small zone keeps its owners flat, packed anew on
// write, and turns into a B-tree when a patch makes it big.
func TestPatchSmall(t *testing.T) {
	z := build(t, "small.example.", shapeRecords("small.example.", 1))
	if z.set.tree != nil {
		t.Fatal("a 5-owner zone in a B-tree")
	}
	before := snapshot(z)
	www := z.RRset("www.small.example.", dns.TypeA)
	var add []dns.RR
	for i := range smallOwners + 10 {
		add = append(add, mustRR(t, fmt.Sprintf("host%03d.small.example. 300 IN A 192.0.2.1", i)))
	}
	mid, _, err := z.Patch(www, add[:3])
	if err != nil {
		t.Fatal(err)
	}
	big, _, err := mid.Patch(nil, add[3:])
	if err != nil {
		t.Fatal(err)
	}
	if mid.set.tree != nil || big.set.tree == nil || big.Records() != z.Records()-1+len(add) {
		t.Errorf("sets: mid tree %v, big tree %v, %d records", mid.set.tree != nil, big.set.tree != nil, big.Records())
	}
	if mid.RRset("www.small.example.", dns.TypeA) != nil || len(big.Owner(add[len(add)-1].Header().Name)) != 1 {
		t.Error("a change is missing")
	}
	if after := snapshot(z); !equalMaps(before, after) {
		t.Error("the old version changed")
	}
	back, _, err := big.Patch(add, nil)
	if err != nil || back.Records() != z.Records()-1 || back.Next("small.example.") != "*.small.example." {
		t.Errorf("patched back: %v, %d records, next %q", err, back.Records(), back.Next("small.example."))
	}
}

package answercache

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"

	"github.com/miekg/dns"
)

const far = int64(1) << 62 // an expiry no test reaches

// TestRingAgainstModel stores random-sized answers under random keys far past the ring's
// size and checks after every step that what is held is exactly what was last stored for
// its key, that the index holds only entries in the ring, and that the gauges add up.
func TestRingAgainstModel(t *testing.T) {
	st := newStore(1<<20, false)
	rng := rand.New(rand.NewPCG(1, 2))
	model := map[string][]byte{}
	buf := make([]byte, st.maxEntry)
	var meta entryMeta
	evicted := 0
	for i := 0; i < 20000; i++ {
		k := []byte(fmt.Sprintf("key-%d", rng.IntN(3000)))
		h := hashOf(k)
		ans := bytes.Repeat([]byte{byte(i)}, 12+rng.IntN(2000))
		evicted += st.put(h, k, ans, 0, nil, far)
		model[string(k)] = ans
		if b := st.bytes(); b > 1<<20 {
			t.Fatalf("step %d: %d bytes held, more than the 1MiB size", i, b)
		}
	}
	held := 0
	for k, want := range model {
		n, res := st.get(hashOf([]byte(k)), []byte(k), 0, buf, &meta, false)
		if res == resHit {
			held++
			if !bytes.Equal(buf[:n], want) {
				t.Fatalf("%s: held answer is not the last stored", k)
			}
		}
	}
	if int64(held) != st.entries() {
		t.Fatalf("%d keys found, entries gauge %d", held, st.entries())
	}
	if evicted == 0 || held == 0 {
		t.Fatalf("evicted %d, held %d: the test did not wrap the ring", evicted, held)
	}
	var live int64
	for _, s := range st.shards {
		for h, pos := range s.idx {
			if pos < s.tail || pos >= s.head {
				t.Fatalf("index entry %x at %d outside the ring [%d, %d)", h, pos, s.tail, s.head)
			}
			live += int64(le.Uint32(s.ring[pos%s.size:]))
		}
	}
	if live != st.bytes() {
		t.Fatalf("indexed entries hold %d bytes, gauge says %d", live, st.bytes())
	}
}

func hashOf(k []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range k {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

func TestCollisionNeverServesAnotherKey(t *testing.T) {
	st := newStore(1<<20, false)
	buf := make([]byte, st.maxEntry)
	var meta entryMeta
	st.put(42, []byte("www.example.org."), []byte("answer one"), 0, nil, far)
	if _, res := st.get(42, []byte("www.example.net."), 0, buf, &meta, true); res != resCollide {
		t.Fatalf("same hash, other key: result %d, want a collision miss", res)
	}
	if _, res := st.get(42, []byte("www.example.org.x"), 0, buf, &meta, true); res != resCollide {
		t.Fatalf("same hash, longer key: result %d, want a collision miss", res)
	}
	n, res := st.get(42, []byte("www.example.org."), 0, buf, &meta, true)
	if res != resHit || string(buf[:n]) != "answer one" {
		t.Fatalf("the stored key: result %d %q", res, buf[:n])
	}
}

func TestStaleStampDropsEntry(t *testing.T) {
	st := newStore(1<<20, false)
	buf := make([]byte, st.maxEntry)
	var meta entryMeta
	a, b := answerdeps.New(), answerdeps.New()
	st.put(7, []byte("k"), []byte("v"), 3, []answerdeps.Stamp{a.Stamp(), b.Stamp()}, far)
	if _, res := st.get(7, []byte("k"), 0, buf, &meta, true); res != resHit || meta.rcode != 3 || meta.n != 2 || meta.stamps[1] != b.Stamp() {
		t.Fatalf("hit %d rcode %d stamps %v", res, meta.rcode, meta.stamps[:meta.n])
	}
	b.Bump()
	if _, res := st.get(7, []byte("k"), 0, buf, &meta, true); res != resStale {
		t.Fatalf("after a bump of its second dep: result %d, want stale", res)
	}
	if st.entries() != 0 || st.bytes() != 0 {
		t.Fatalf("a stale entry is still counted: %d entries, %d bytes", st.entries(), st.bytes())
	}
	if _, res := st.get(7, []byte("k"), 0, buf, &meta, true); res != resAdmit {
		t.Fatalf("after the drop: result %d, want a miss", res)
	}
}

func TestTooLargeNotStored(t *testing.T) {
	st := newStore(1<<20, false)
	st.put(1, []byte("k"), make([]byte, st.maxEntry), 0, nil, far)
	if st.entries() != 0 {
		t.Fatal("an answer larger than a quarter shard was stored")
	}
}

// TestFloodKeepsHotSet is issue 17's random sub-domain attack on the cache: a hot set is
// stored, then many one-off names are asked. With admission they are never stored and the
// hot set stays; without it, the same flood evicts the hot set (so the test can tell).
func TestFloodKeepsHotSet(t *testing.T) {
	const hot, flood = 200, 50000
	for _, admission := range []bool{true, false} {
		t.Run(fmt.Sprintf("admission=%v", admission), func(t *testing.T) {
			c, d, ctx := newTest(t, admission)
			c.Next = txt{d, 150, 2}
			hotName := func(i int) string { return fmt.Sprintf("hot%d.example.org.", i) }
			for round := 0; round < 2; round++ {
				for i := 0; i < hot; i++ {
					ask(t, ctx, c, query(hotName(i), dns.TypeTXT), udp4)
				}
			}
			for i := 0; i < flood; i++ {
				ask(t, ctx, c, query(fmt.Sprintf("r%d.example.org.", i), dns.TypeTXT), udp4)
			}
			before := d.n()
			for i := 0; i < hot; i++ {
				ask(t, ctx, c, query(hotName(i), dns.TypeTXT), udp4)
			}
			missed := d.n() - before
			t.Logf("admission %v: %d of %d hot names missed after %d flood names; evictions %v, bytes %d",
				admission, missed, hot, flood, count(t, "evictions"), c.store.bytes())
			if admission && missed != 0 {
				t.Fatalf("%d hot names evicted by the flood", missed)
			}
			if !admission && missed < hot/2 {
				t.Fatalf("without admission only %d hot names were evicted: the flood is too small to tell", missed)
			}
			if c.store.bytes() > int64(c.size) {
				t.Fatalf("%d bytes held, size %d", c.store.bytes(), c.size)
			}
		})
	}
}

// TestHotSetSurvivesLaps: without admission a steady stream of one-off answers laps the
// ring many times, but a hot set asked now and then is written again when it gets old
// (second chance) and is never evicted.
func TestHotSetSurvivesLaps(t *testing.T) {
	const hot, rounds, perRound = 100, 40, 600 // a round of one-off answers is about a quarter lap
	c, d, ctx := newTest(t, false)
	c.Next = txt{d, 150, 2}
	hotName := func(i int) string { return fmt.Sprintf("hot%d.example.org.", i) }
	flood := 0
	for r := 0; r < rounds; r++ {
		before := d.n()
		for i := 0; i < hot; i++ {
			ask(t, ctx, c, query(hotName(i), dns.TypeTXT), udp4)
		}
		if missed := d.n() - before; r > 0 && missed != 0 {
			t.Fatalf("round %d: %d hot names missed", r, missed)
		}
		for i := 0; i < perRound; i++ {
			flood++
			ask(t, ctx, c, query(fmt.Sprintf("r%d.example.org.", flood), dns.TypeTXT), udp4)
		}
	}
	if ev := count(t, "evictions"); ev < float64(rounds*perRound/2) {
		t.Fatalf("only %v evictions: the flood did not lap the ring", ev)
	}
}

// TestConcurrentQueriesAndChanges: queries from several goroutines while the data changes
// get whole answers, and once the changes are done every answer is the last one (run it
// with -race).
func TestConcurrentQueriesAndChanges(t *testing.T) {
	c, d, ctx := newTest(t, true)
	addrs := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}
	done := make(chan struct{})
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 300; i++ {
				w := &wire{addr: udp4}
				r := query("www.example.org.", dns.TypeA)
				if _, err := c.ServeDNS(ctx, request.NewScrubWriter(r, w), r); err != nil {
					errs <- err.Error()
					return
				}
				m := new(dns.Msg)
				if err := m.Unpack(w.bytes); err != nil || len(m.Answer) != 1 {
					errs <- fmt.Sprintf("bad answer %v %v", err, m)
					return
				}
			}
			errs <- ""
		}()
	}
	go func() {
		defer close(done)
		for _, a := range addrs[1:] {
			d.set("www.example.org.", a)
		}
	}()
	for g := 0; g < 4; g++ {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
	<-done
	for i := 0; i < 3; i++ {
		_, m, _ := ask(t, ctx, c, query("www.example.org.", dns.TypeA), udp4)
		if got := m.Answer[0].(*dns.A).A.String(); got != addrs[len(addrs)-1] {
			t.Fatalf("after the last change: %s, want %s", got, addrs[len(addrs)-1])
		}
	}
}

package answercache_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestFloodKeepsHotSet: a random sub-domain flood (every name new, all NXDOMAIN: 20,000
// answers of ~200 bytes, four times the 1 MiB cache) does not evict a hot set of answers
// that admission has let in: after the flood every hot answer still comes from the cache.
// The same flood with admission off does evict it, which shows the flood is large enough
// for the first result to mean something (issue 17, item 3).
func TestFloodKeepsHotSet(t *testing.T) {
	for _, adm := range []string{"on", "off"} {
		t.Run("admission-"+adm, func(t *testing.T) {
			m := newDB(t)
			s := start(t, sqlBlock(m.DSN, "answercache {\n\t\tsize 1MiB\n\t\tadmission "+adm+"\n\t}"))
			c, err := dns.Dial("udp", s.UDP)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			exchange := func(name string, qt uint16) *dns.Msg {
				c.SetDeadline(time.Now().Add(5 * time.Second))
				q := new(dns.Msg)
				q.SetQuestion(name, qt)
				if err := c.WriteMsg(q); err != nil {
					t.Fatal(err)
				}
				r, err := c.ReadMsg()
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			var hot [][2]any
			for _, n := range corpusNames[:10] {
				for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeMX, dns.TypeTXT} {
					hot = append(hot, [2]any{n, qt})
				}
			}
			for _, h := range hot { // asked 3 times: stored whatever the admission
				for i := 0; i < 3; i++ {
					exchange(h[0].(string), h[1].(uint16))
				}
			}
			const flood = 20000
			for i := 0; i < flood; i++ {
				name := fmt.Sprintf("%012x.example.org.", rand.Uint64()&0xffffffffffff)
				if r := exchange(name, dns.TypeA); r.Rcode != dns.RcodeNameError {
					t.Fatalf("%s: rcode %s, want NXDOMAIN", name, dns.RcodeToString[r.Rcode])
				}
			}
			// The configured size bounds what is held (the gauge is updated every second).
			harness.Eventually(t, 3*time.Second, "coredns_answercache_bytes above 0 and at most 1 MiB", func() bool {
				b := harness.MetricSum(t, "coredns_answercache_bytes")
				return b > 0 && b <= 1<<20
			})
			kept := 0
			for _, h := range hot {
				before := hits(t)
				exchange(h[0].(string), h[1].(uint16))
				if hits(t) > before {
					kept++
				}
			}
			t.Logf("admission %s: %d of %d hot answers still in the cache after %d random names", adm, kept, len(hot), flood)
			if adm == "on" && kept < len(hot) {
				t.Errorf("admission on: %d of %d hot answers evicted by the flood", len(hot)-kept, len(hot))
			}
			if adm == "off" && kept == len(hot) {
				t.Errorf("admission off: the flood evicted nothing; it is too small to show what admission does")
			}
		})
	}
}

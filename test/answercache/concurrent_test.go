package answercache_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestNoStaleUnderLoad: clients ask a name (directly and through a CNAME chain) as fast as
// they can while it is changed in SQL 15 times. A miss that read the old data while the
// change was applied must not put the old answer back in the cache: once the new answer
// has been seen, no query sent afterwards may get an older one.
func TestNoStaleUnderLoad(t *testing.T) {
	for _, v := range cacheVariants {
		t.Run(v.name, func(t *testing.T) { noStaleUnderLoad(t, v) })
	}
}

func noStaleUnderLoad(t *testing.T, v cacheVariant) {
	m := newDB(t)
	s := start(t, sqlBlock(m.DSN, v.lines...))
	defer wantFastHits(t, v, harness.MetricSum(t, "coredns_answercache_fastpath_hits_total"))
	var floor atomic.Int64 // the newest change seen served: no answer older than it from now on
	var stop atomic.Bool
	var wg sync.WaitGroup
	var asked atomic.Int64
	errs := make(chan string, 16)
	for _, name := range []string{"www.example.org.", "chain.example.org.", "www.example.org.", "chain.example.org."} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Timeout: 5 * time.Second}
			for !stop.Load() {
				min := floor.Load()
				r, _, err := c.Exchange(harness.Query(name, dns.TypeA), s.UDP)
				if err != nil {
					continue
				}
				asked.Add(1)
				if v := version(r); v < min {
					select {
					case errs <- fmt.Sprintf("%s: version %d served after version %d was: %v", name, v, min, r.Answer):
					default:
					}
				}
			}
		}()
	}
	for i := 1; i <= 15; i++ {
		ip := fmt.Sprintf("10.2.0.%d", i)
		exec(t, m, `UPDATE records SET content = ? WHERE name = 'www.example.org' AND type = 'A'`, ip)
		harness.WaitFor(t, s.UDP, "www.example.org.", dns.TypeA, hasA(ip), waitLimit)
		harness.WaitFor(t, s.UDP, "chain.example.org.", dns.TypeA, hasA(ip), waitLimit)
		floor.Store(int64(i))
		// The clients must ask after the floor moved, or the check above proves nothing.
		want := asked.Load() + 100
		harness.Eventually(t, waitLimit, fmt.Sprintf("the clients answered %d times", want), func() bool { return asked.Load() >= want })
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	t.Logf("%d queries by 4 clients during 15 changes", asked.Load())
}

// version is the last octet of the A record in r (10.2.0.N: change N; the zone's own
// 192.0.2.80: 0), -1 when r has none.
func version(r *dns.Msg) int64 {
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			s := a.A.String()
			if !strings.HasPrefix(s, "10.2.0.") {
				return 0
			}
			n, _ := strconv.Atoi(strings.TrimPrefix(s, "10.2.0."))
			return int64(n)
		}
	}
	return -1
}

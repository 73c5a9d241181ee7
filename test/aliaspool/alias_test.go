package aliaspool

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// aliasZone is the zone of most alias tests. Upstream targets are under example.net, which
// the test's "internet" serves.
const aliasZone = `$ORIGIN example.org.
$TTL 3600
@            IN SOA  ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600
             IN NS   ns1.example.org.
@        300 IN ALIAS www.example.org.
             IN MX   10 mail.example.org.
             IN TXT  "v=spf1 -all"
ns1          IN A    192.0.2.1
www      600 IN A    192.0.2.80
www      600 IN AAAA 2001:db8::80
v4only       IN A    192.0.2.4
only4    100 IN ALIAS v4only.example.org.
ext      120 IN ALIAS host.example.net.
short   3600 IN ALIAS short.example.net.
gone         IN ALIAS gone.example.net.
empty        IN ALIAS empty.example.net.
missing      IN ALIAS nothere.example.org.
chain    200 IN ALIAS c1.example.org.
c1       150 IN CNAME a2.example.org.
a2       100 IN ALIAS www.example.org.
viaext       IN ALIAS c2.example.org.
c2        50 IN CNAME host.example.net.
loop1        IN ALIAS loop2.example.org.
loop2        IN ALIAS loop1.example.org.
self         IN ALIAS self.example.org.
stale     40 IN ALIAS stale.example.net.
stale2    20 IN ALIAS stale2.example.net.
never        IN ALIAS never.example.net.
slow         IN ALIAS slow.example.net.
merged       IN ALIAS merged.example.net.
*.wild   300 IN ALIAS www.example.org.
extloop      IN ALIAS cl1.example.net.
truncated    IN ALIAS tc.example.net.
`

const (
	apexNS  = "example.org. 3600 IN NS ns1.example.org."
	apexSOA = "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600"
)

// startAlias serves aliasZone from backend, with alias's upstream set to in.
func startAlias(t *testing.T, backend string, in *internet, extra string) *harness.Server {
	t.Helper()
	return startServing(t, fmt.Sprintf(`example.org:0 {
    alias {
        upstream %s
        timeout 300ms
        retries 1
        %s
    }
%s}`, in.Addr, extra, dataPlugin(t, backend, map[string]string{"example.org.": aliasZone})), "example.org.")
}

func newTestInternet(t *testing.T) *internet {
	return newInternet(t,
		"host.example.net. 3600 IN A 198.51.100.1",
		"host.example.net. 3600 IN A 198.51.100.2",
		"host.example.net. 3600 IN AAAA 2001:db8:1::1",
		"short.example.net. 60 IN A 198.51.100.60",
		"empty.example.net. 60 IN TXT \"no addresses here\"",
		"stale.example.net. 0 IN A 198.51.100.40",
		"stale2.example.net. 0 IN A 198.51.100.20",
		"never.example.net. 60 IN A 198.51.100.99",
		"slow.example.net. 0 IN A 198.51.100.77",
		"merged.example.net. 60 IN A 198.51.100.88",
		"tc.example.net. 60 IN A 198.51.100.53",
		"cl1.example.net. 60 IN CNAME cl2.example.net.",
		"cl2.example.net. 60 IN CNAME cl1.example.net.",
	)
}

func TestAliasInZone(t *testing.T) {
	forBackends(t, func(t *testing.T, backend string) {
		s := startAlias(t, backend, newTestInternet(t), "")
		both(t, s, func(t *testing.T, addr, network string) {
			// TTL = min(ALIAS 300, target 600).
			harness.AssertResponse(t, ask(t, addr, network, "example.org.", dns.TypeA), harness.Response{
				Authoritative: true,
				Answer:        []string{"example.org. 300 IN A 192.0.2.80"},
				Ns:            []string{apexNS},
			})
			harness.AssertResponse(t, ask(t, addr, network, "example.org.", dns.TypeAAAA), harness.Response{
				Authoritative: true,
				Answer:        []string{"example.org. 300 IN AAAA 2001:db8::80"},
				Ns:            []string{apexNS},
			})
			// The target has no AAAA: NODATA, as the zone answers it.
			harness.AssertResponse(t, ask(t, addr, network, "only4.example.org.", dns.TypeAAAA), harness.Response{
				Authoritative: true,
				Ns:            []string{apexSOA},
			})
			harness.AssertResponse(t, ask(t, addr, network, "only4.example.org.", dns.TypeA), harness.Response{
				Authoritative: true,
				Answer:        []string{"only4.example.org. 100 IN A 192.0.2.4"},
				Ns:            []string{apexNS},
			})
			// Wildcard ALIAS: the owner is the query name.
			harness.AssertResponse(t, ask(t, addr, network, "x.wild.example.org.", dns.TypeA), harness.Response{
				Authoritative: true,
				Answer:        []string{"x.wild.example.org. 300 IN A 192.0.2.80"},
				Ns:            []string{apexNS},
			})
		})
	})
}

func TestAliasOtherTypesAndRaw(t *testing.T) {
	forBackends(t, func(t *testing.T, backend string) {
		s := startAlias(t, backend, newTestInternet(t), "")
		both(t, s, func(t *testing.T, addr, network string) {
			harness.AssertResponse(t, ask(t, addr, network, "example.org.", dns.TypeMX), harness.Response{
				Authoritative: true,
				Answer:        []string{"example.org. 3600 IN MX 10 mail.example.org."},
				Ns:            []string{apexNS},
			})
			harness.AssertResponse(t, ask(t, addr, network, "example.org.", dns.TypeTXT), harness.Response{
				Authoritative: true,
				Answer:        []string{`example.org. 3600 IN TXT "v=spf1 -all"`},
				Ns:            []string{apexNS},
			})
			harness.AssertResponse(t, ask(t, addr, network, "example.org.", dns.TypeSOA), harness.Response{
				Authoritative: true,
				Answer:        []string{apexSOA},
				Ns:            []string{apexNS},
			})
			// Type ALIAS returns the record itself, as PowerDNS does.
			harness.AssertResponse(t, ask(t, addr, network, "example.org.", 65401), harness.Response{
				Authoritative: true,
				Answer:        []string{"example.org. 300 IN ALIAS www.example.org."},
				Ns:            []string{apexNS},
			})
			// Names without ALIAS are untouched.
			harness.AssertResponse(t, ask(t, addr, network, "ns1.example.org.", dns.TypeA), harness.Response{
				Authoritative: true,
				Answer:        []string{"ns1.example.org. 3600 IN A 192.0.2.1"},
				Ns:            []string{apexNS},
			})
			harness.AssertResponse(t, ask(t, addr, network, "ns1.example.org.", dns.TypeAAAA), harness.Response{
				Authoritative: true,
				Ns:            []string{apexSOA},
			})
			harness.AssertResponse(t, ask(t, addr, network, "nope.example.org.", dns.TypeA), harness.Response{
				Rcode:         dns.RcodeNameError,
				Authoritative: true,
				Ns:            []string{apexSOA},
			})
		})
	})
}

func TestAliasChainsAndLoops(t *testing.T) {
	forBackends(t, func(t *testing.T, backend string) {
		s := startAlias(t, backend, newTestInternet(t), "")
		both(t, s, func(t *testing.T, addr, network string) {
			// ALIAS -> CNAME -> ALIAS -> A: TTL is the smallest on the way.
			harness.AssertResponse(t, ask(t, addr, network, "chain.example.org.", dns.TypeA), harness.Response{
				Authoritative: true,
				Answer:        []string{"chain.example.org. 100 IN A 192.0.2.80"},
				Ns:            []string{apexNS},
			})
			// ALIAS -> in-zone CNAME -> external name.
			harness.AssertResponse(t, ask(t, addr, network, "viaext.example.org.", dns.TypeA), harness.Response{
				Authoritative: true,
				Answer:        []string{"viaext.example.org. 50 IN A 198.51.100.1", "viaext.example.org. 50 IN A 198.51.100.2"},
				Ns:            []string{apexNS},
			})
			for _, name := range []string{"loop1.example.org.", "loop2.example.org.", "self.example.org.", "missing.example.org.", "extloop.example.org."} {
				harness.AssertResponse(t, ask(t, addr, network, name, dns.TypeA), harness.Response{
					Authoritative: true,
					Ns:            []string{apexSOA},
				})
			}
		})
	})
}

func TestAliasMaxChain(t *testing.T) {
	forBackends(t, func(t *testing.T, backend string) {
		s := startAlias(t, backend, newTestInternet(t), "max_chain 2")
		// chain needs three names (c1, a2, www): one too many.
		harness.AssertResponse(t, ask(t, s.UDP, "udp", "chain.example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Ns:            []string{apexSOA},
		})
		harness.AssertResponse(t, ask(t, s.UDP, "udp", "example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Answer:        []string{"example.org. 300 IN A 192.0.2.80"},
			Ns:            []string{apexNS},
		})
	})
}

func TestAliasUpstream(t *testing.T) {
	forBackends(t, func(t *testing.T, backend string) {
		in := newTestInternet(t)
		// memo 0: every query goes through alias's upstream cache.
		s := startAlias(t, backend, in, "memo 0")
		pos := harness.MetricSumWhere(t, "coredns_alias_cache_hits_total", map[string]string{"kind": "positive"})
		neg := harness.MetricSumWhere(t, "coredns_alias_cache_hits_total", map[string]string{"kind": "negative"})
		both(t, s, func(t *testing.T, addr, network string) {
			before := in.queries.Load()
			for range 3 {
				// TTL = min(ALIAS 120, target 3600), the same from the cache.
				harness.AssertResponse(t, ask(t, addr, network, "ext.example.org.", dns.TypeA), harness.Response{
					Authoritative: true,
					Answer:        []string{"ext.example.org. 120 IN A 198.51.100.1", "ext.example.org. 120 IN A 198.51.100.2"},
					Ns:            []string{apexNS},
				})
				harness.AssertResponse(t, ask(t, addr, network, "ext.example.org.", dns.TypeAAAA), harness.Response{
					Authoritative: true,
					Answer:        []string{"ext.example.org. 120 IN AAAA 2001:db8:1::1"},
					Ns:            []string{apexNS},
				})
				// Target NXDOMAIN and NODATA: NODATA, never SERVFAIL; cached too.
				for _, name := range []string{"gone.example.org.", "empty.example.org."} {
					harness.AssertResponse(t, ask(t, addr, network, name, dns.TypeA), harness.Response{
						Authoritative: true,
						Ns:            []string{apexSOA},
					})
				}
			}
			if network == "udp" {
				// Four lookups (ext A, ext AAAA, gone A, empty A), each once: the rest are cache hits.
				if got := in.queries.Load() - before; got != 4 {
					t.Errorf("upstream got %d queries, want 4 (one per name and type)", got)
				}
			} else if got := in.queries.Load() - before; got != 0 {
				t.Errorf("upstream got %d queries over the second transport, want 0: all cached", got)
			}
		})
		// 3 rounds over 2 transports, 2 positive and 2 negative lookups each, all but the
		// first round's from the cache.
		if got := harness.MetricSumWhere(t, "coredns_alias_cache_hits_total", map[string]string{"kind": "positive"}) - pos; got != 10 {
			t.Errorf("%v positive cache hits, want 10", got)
		}
		if got := harness.MetricSumWhere(t, "coredns_alias_cache_hits_total", map[string]string{"kind": "negative"}) - neg; got != 10 {
			t.Errorf("%v negative cache hits, want 10", got)
		}
		// An upstream that truncates over UDP is asked again over TCP.
		harness.AssertResponse(t, ask(t, s.UDP, "udp", "truncated.example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Answer:        []string{"truncated.example.org. 60 IN A 198.51.100.53"},
			Ns:            []string{apexNS},
		})
		// The first answer carries the target's TTL when it is the smaller one.
		harness.AssertResponse(t, ask(t, s.UDP, "udp", "short.example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Answer:        []string{"short.example.org. 60 IN A 198.51.100.60"},
			Ns:            []string{apexNS},
		})
	})
}

func TestAliasServeStale(t *testing.T) {
	in := newTestInternet(t)
	s := startAlias(t, "file", in, "serve_stale 1h\n        memo 0")
	// stale.example.net has TTL 0: every lookup goes upstream.
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "stale.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"stale.example.org. 0 IN A 198.51.100.40"},
		Ns:            []string{apexNS},
	})
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "stale2.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"stale2.example.org. 0 IN A 198.51.100.20"},
		Ns:            []string{apexNS},
	})
	staleBefore := harness.MetricSumWhere(t, "coredns_alias_stale_answers_total", nil)

	// Upstream answers SERVFAIL: the last good addresses, with TTL min(ALIAS, 30).
	in.setFail(true)
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "stale.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"stale.example.org. 30 IN A 198.51.100.40"},
		Ns:            []string{apexNS},
	})
	harness.AssertResponse(t, ask(t, s.TCP, "tcp", "stale2.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"stale2.example.org. 20 IN A 198.51.100.20"},
		Ns:            []string{apexNS},
	})
	// Nothing known: SERVFAIL.
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "never.example.org.", dns.TypeA), harness.Response{
		Rcode: dns.RcodeServerFailure,
	})

	// Upstream times out: stale again.
	in.setFail(false)
	in.setDelay(time.Second)
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "stale.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"stale.example.org. 30 IN A 198.51.100.40"},
		Ns:            []string{apexNS},
	})
	if got := harness.MetricSumWhere(t, "coredns_alias_stale_answers_total", nil) - staleBefore; got != 3 {
		t.Errorf("coredns_alias_stale_answers_total grew by %v, want 3", got)
	}

	// Upstream back: fresh answers.
	in.setDelay(0)
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "stale.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"stale.example.org. 0 IN A 198.51.100.40"},
		Ns:            []string{apexNS},
	})
}

func TestAliasServeStaleOff(t *testing.T) {
	in := newTestInternet(t)
	s := startAlias(t, "file", in, "serve_stale 0s\n        memo 0")
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "stale.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"stale.example.org. 0 IN A 198.51.100.40"},
		Ns:            []string{apexNS},
	})
	in.setFail(true)
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "stale.example.org.", dns.TypeA), harness.Response{
		Rcode: dns.RcodeServerFailure,
	})
}

// Identical concurrent lookups of one target are merged into one upstream exchange.
func TestAliasMergesConcurrentLookups(t *testing.T) {
	in := newTestInternet(t)
	s := startAlias(t, "file", in, "")
	release := in.hold()
	missesBefore := harness.MetricSumWhere(t, "coredns_alias_cache_misses_total", nil)
	queriesBefore := in.queries.Load()

	const n = 10
	var wg sync.WaitGroup
	resps := make([]*dns.Msg, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Net: "udp", Timeout: 5 * time.Second}
			resps[i], _, _ = c.Exchange(harness.Query("merged.example.org.", dns.TypeA), s.UDP)
		}()
	}
	// Wait until all n queries reached the plugin (each counts a miss), then let the
	// upstream answer. This waits for a state, it asserts nothing about time.
	deadline := time.Now().Add(10 * time.Second)
	for harness.MetricSumWhere(t, "coredns_alias_cache_misses_total", nil)-missesBefore < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	release()
	wg.Wait()
	for i, r := range resps {
		if r == nil {
			t.Fatalf("query %d got no answer", i)
		}
		harness.AssertResponse(t, r, harness.Response{
			Authoritative: true,
			Answer:        []string{"merged.example.org. 60 IN A 198.51.100.88"},
			Ns:            []string{apexNS},
		})
	}
	if got := in.queries.Load() - queriesBefore; got != 1 {
		t.Errorf("upstream got %d queries for %d identical concurrent lookups, want 1", got, n)
	}
}

// alias sits above pool: an ALIAS whose target is a pool gets the addresses of the
// member picked for that query (with memo 0; alias's memo would otherwise keep one
// member's addresses for its window).
func TestAliasToPool(t *testing.T) {
	zone := writeZone(t, "db.example.org", aliasZone+lines(
		"lbpool 60 IN POOL www.example.org. 1",
		"lbpool 60 IN POOL ns1.example.org. 1",
		"topool 120 IN ALIAS lbpool.example.org.",
	))
	s := harness.StartServer(t, fmt.Sprintf("example.org:0 {\n alias {\n memo 0\n }\n pool\n file %s\n}", zone))
	seen := map[string]bool{}
	for range 60 {
		r := ask(t, s.UDP, "udp", "topool.example.org.", dns.TypeA)
		if len(r.Answer) != 1 {
			t.Fatalf("answer:\n%s", r)
		}
		a := r.Answer[0].(*dns.A).A.String()
		seen[a] = true
		// TTL = min(ALIAS 120, POOL CNAME 60, member A 600 or 3600).
		harness.AssertResponse(t, r, harness.Response{
			Authoritative: true,
			Answer:        []string{"topool.example.org. 60 IN A " + a},
			Ns:            []string{apexNS},
		})
	}
	if !seen["192.0.2.80"] || !seen["192.0.2.1"] || len(seen) != 2 {
		t.Errorf("addresses seen %v, want both members'", seen)
	}
}

// The memo: within its window an ALIAS answer is reused without asking the data plugin
// again; with memo 0 it never is.
func TestAliasMemo(t *testing.T) {
	forBackends(t, func(t *testing.T, backend string) {
		for _, tc := range []struct {
			memo string
			hits float64
		}{{"memo 1h", 4}, {"memo 0", 0}} {
			t.Run(tc.memo, func(t *testing.T) {
				s := startAlias(t, backend, newTestInternet(t), tc.memo)
				before := harness.MetricSumWhere(t, "coredns_alias_memo_hits_total", nil)
				for range 5 {
					harness.AssertResponse(t, ask(t, s.UDP, "udp", "chain.example.org.", dns.TypeA), harness.Response{
						Authoritative: true,
						Answer:        []string{"chain.example.org. 100 IN A 192.0.2.80"},
						Ns:            []string{apexNS},
					})
				}
				if got := harness.MetricSumWhere(t, "coredns_alias_memo_hits_total", nil) - before; got != tc.hits {
					t.Errorf("%v memo hits, want %v", got, tc.hits)
				}
				// NODATA answers and names without ALIAS are unchanged by the memo.
				for range 3 {
					harness.AssertResponse(t, ask(t, s.UDP, "udp", "loop1.example.org.", dns.TypeA), harness.Response{
						Authoritative: true,
						Ns:            []string{apexSOA},
					})
					harness.AssertResponse(t, ask(t, s.UDP, "udp", "ns1.example.org.", dns.TypeAAAA), harness.Response{
						Authoritative: true,
						Ns:            []string{apexSOA},
					})
				}
			})
		}
	})
}

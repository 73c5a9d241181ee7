package aliaspool

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

const poolZone = `$ORIGIN example.org.
$TTL 3600
@        IN SOA  ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600
         IN NS   ns1.example.org.
ns1      IN A    192.0.2.1
uni   60 IN POOL a.example.org.
uni   60 IN POOL b.example.org.
uni   60 IN POOL c.example.org.
wtd   30 IN POOL a.example.org. 5
wtd   30 IN POOL b.example.org. 3
wtd   30 IN POOL c.example.org. 2
a        IN A    192.0.2.10
b        IN A    192.0.2.11
c        IN A    192.0.2.12
`

// shapeZone has one-member pools, and the same names as CNAMEs under cn-: a pool answer
// must be exactly what the file plugin answers for the CNAME.
const shapeZone = `$ORIGIN example.org.
$TTL 3600
@          IN SOA  ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600
           IN NS   ns1.example.org.
ns1        IN A    192.0.2.1
www        IN A    192.0.2.80
www        IN AAAA 2001:db8::80
v4         IN A    192.0.2.4
hop        IN CNAME www.example.org.
plain   60 IN POOL www.example.org.
twohop  60 IN POOL hop.example.org.
nodata  60 IN POOL v4.example.org.
nx      60 IN POOL nothere.example.org.
ext     60 IN POOL host.example.net.
other   60 IN POOL www.example.com.
`

const otherZone = `$ORIGIN example.com.
@   3600 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600
    3600 IN NS  ns1.example.com.
www 3600 IN A   203.0.113.80
`

func startPool(t *testing.T, backend, options string) *harness.Server {
	t.Helper()
	return startServing(t, fmt.Sprintf(`example.org:0 {
    pool {
        %s
    }
%s}`, options, dataPlugin(t, backend, map[string]string{"example.org.": poolZone})), "example.org.")
}

// picks asks n times for the CNAME at name and counts the targets, checking every answer.
func picks(t *testing.T, s *harness.Server, name string, ttl int, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for i := range n {
		addr, network := s.UDP, "udp"
		if i%10 == 0 {
			addr, network = s.TCP, "tcp"
		}
		r := ask(t, addr, network, name, dns.TypeCNAME)
		if len(r.Answer) != 1 {
			t.Fatalf("answer %d has %d records, want one CNAME:\n%s", i, len(r.Answer), r)
		}
		c, ok := r.Answer[0].(*dns.CNAME)
		if !ok {
			t.Fatalf("answer %d is not a CNAME:\n%s", i, r)
		}
		if i < 20 { // every answer has the same shape; check a few whole
			harness.AssertResponse(t, r, harness.Response{
				Authoritative: true,
				Answer:        []string{fmt.Sprintf("%s %d IN CNAME %s", name, ttl, c.Target)},
				Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
			})
		}
		got[c.Target]++
	}
	return got
}

// chiSquare returns Pearson's statistic of the counts against weights.
func chiSquare(counts map[string]int, weights map[string]float64) float64 {
	total, wsum := 0, 0.0
	for _, c := range counts {
		total += c
	}
	for _, w := range weights {
		wsum += w
	}
	x2 := 0.0
	for k, w := range weights {
		e := float64(total) * w / wsum
		d := float64(counts[k]) - e
		x2 += d * d / e
	}
	return x2
}

// critical2 is the chi-square critical value for 2 degrees of freedom at significance
// 1e-6 (-2 ln 1e-6): a correct picker fails the test once in a million runs, while a
// wrong distribution over 3,000 picks scores in the hundreds.
var critical2 = -2 * math.Log(1e-6)

const nPicks = 3000

func TestPoolUniform(t *testing.T) {
	s := startPool(t, "file", "")
	got := picks(t, s, "uni.example.org.", 60, nPicks)
	uniform := map[string]float64{"a.example.org.": 1, "b.example.org.": 1, "c.example.org.": 1}
	if len(got) != 3 {
		t.Fatalf("picked %v, want the three members", got)
	}
	if x2 := chiSquare(got, uniform); x2 > critical2 {
		t.Errorf("picks %v: chi-square %.1f > %.1f, not uniform", got, x2, critical2)
	}
}

func TestPoolWeighted(t *testing.T) {
	forBackends(t, func(t *testing.T, backend string) {
		s := startPool(t, backend, "")
		got := picks(t, s, "wtd.example.org.", 30, nPicks)
		weighted := map[string]float64{"a.example.org.": 5, "b.example.org.": 3, "c.example.org.": 2}
		if x2 := chiSquare(got, weighted); x2 > critical2 {
			t.Errorf("picks %v: chi-square %.1f > %.1f, not 5:3:2", got, x2, critical2)
		}
		// The test has power: the same picks are far from uniform.
		if x2 := chiSquare(got, map[string]float64{"a.example.org.": 1, "b.example.org.": 1, "c.example.org.": 1}); x2 < critical2 {
			t.Errorf("picks %v look uniform (chi-square %.1f), want 5:3:2", got, x2)
		}
	})
}

func TestPoolPolicyUniformIgnoresWeights(t *testing.T) {
	s := startPool(t, "file", "policy uniform")
	got := picks(t, s, "wtd.example.org.", 30, nPicks)
	if x2 := chiSquare(got, map[string]float64{"a.example.org.": 1, "b.example.org.": 1, "c.example.org.": 1}); x2 > critical2 {
		t.Errorf("picks %v: chi-square %.1f > %.1f, not uniform", got, x2, critical2)
	}
}

// TestPoolPickMetric: picks are counted per server, and per pool and member
// only with member_metrics (a series per customer's member is unbounded).
func TestPoolPickMetric(t *testing.T) {
	uni := map[string]string{"pool": "uni.example.org."}
	for _, tc := range []struct {
		options   string
		perMember float64
	}{{"", 0}, {"member_metrics", 30}} {
		t.Run(fmt.Sprintf("%q", tc.options), func(t *testing.T) {
			s := startPool(t, "file", tc.options)
			total, member := harness.MetricSumWhere(t, "coredns_pool_picks_total", nil), harness.MetricSumWhere(t, "coredns_pool_member_picks_total", uni)
			got := picks(t, s, "uni.example.org.", 60, 30)
			if d := harness.MetricSumWhere(t, "coredns_pool_picks_total", nil) - total; d != 30 {
				t.Errorf("coredns_pool_picks_total grew by %v for %v, want 30", d, got)
			}
			if d := harness.MetricSumWhere(t, "coredns_pool_member_picks_total", uni) - member; d != tc.perMember {
				t.Errorf("coredns_pool_member_picks_total grew by %v for %v, want %v", d, got, tc.perMember)
			}
		})
	}
}

// A pool answer is what the file plugin answers for a CNAME at that name.
func TestPoolAnswersLikeFileCNAME(t *testing.T) {
	forBackends(t, func(t *testing.T, backend string) { testPoolAnswersLikeFileCNAME(t, backend) })
}

func testPoolAnswersLikeFileCNAME(t *testing.T, backend string) {
	cnameFile := writeZone(t, "db.example.org", strings.ReplaceAll(shapeZone, "IN POOL", "IN CNAME"))
	other := writeZone(t, "db.example.com", otherZone)
	withPool := startServing(t, fmt.Sprintf("example.org:0 {\n pool\n%s}\nexample.com:0 {\n file %s\n}",
		dataPlugin(t, backend, map[string]string{"example.org.": shapeZone}), other), "example.org.", "example.com.")
	withFile := harness.StartServer(t, fmt.Sprintf("example.org:0 {\n file %s\n}\nexample.com:0 {\n file %s\n}", cnameFile, other))

	for _, name := range []string{"plain", "twohop", "nodata", "nx", "ext", "other"} {
		for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCNAME} {
			for _, network := range []string{"udp", "tcp"} {
				addrP, addrF := withPool.UDP, withFile.UDP
				if network == "tcp" {
					addrP, addrF = withPool.TCP, withFile.TCP
				}
				q := name + ".example.org."
				want := ask(t, addrF, network, q, qtype)
				got := ask(t, addrP, network, q, qtype)
				harness.AssertResponse(t, got, responseOf(want))
			}
		}
	}
	// And spelled out once, so that the comparison cannot pass on two empty answers.
	harness.AssertResponse(t, ask(t, withPool.UDP, "udp", "twohop.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer: []string{
			"twohop.example.org. 60 IN CNAME hop.example.org.",
			"hop.example.org. 3600 IN CNAME www.example.org.",
			"www.example.org. 3600 IN A 192.0.2.80",
		},
		Ns: []string{"example.org. 3600 IN NS ns1.example.org."},
	})
	harness.AssertResponse(t, ask(t, withPool.UDP, "udp", "nx.example.org.", dns.TypeA), harness.Response{
		Rcode:         dns.RcodeNameError,
		Authoritative: true,
		Answer:        []string{"nx.example.org. 60 IN CNAME nothere.example.org."},
		Ns:            []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600"},
	})
	harness.AssertResponse(t, ask(t, withPool.UDP, "udp", "other.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"other.example.org. 60 IN CNAME www.example.com.", "www.example.com. 3600 IN A 203.0.113.80"},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
	})
}

// responseOf turns a message into the Response that matches it exactly.
func responseOf(m *dns.Msg) harness.Response {
	str := func(rrs []dns.RR) []string {
		var out []string
		for _, rr := range rrs {
			if rr.Header().Rrtype != dns.TypeOPT {
				out = append(out, rr.String())
			}
		}
		return out
	}
	return harness.Response{
		Rcode: m.Rcode, Opcode: m.Opcode,
		Authoritative: m.Authoritative, Truncated: m.Truncated, RecursionDesired: m.RecursionDesired,
		RecursionAvailable: m.RecursionAvailable, AuthenticatedData: m.AuthenticatedData, CheckingDisabled: m.CheckingDisabled,
		Answer: str(m.Answer), Ns: str(m.Ns), Extra: str(m.Extra),
	}
}

// Names without POOL records, and other types at pool names, are the data plugin's.
func TestPoolLeavesOtherAnswersAlone(t *testing.T) {
	forBackends(t, func(t *testing.T, backend string) {
		s := startPool(t, backend, "")
		both(t, s, func(t *testing.T, addr, network string) {
			harness.AssertResponse(t, ask(t, addr, network, "a.example.org.", dns.TypeA), harness.Response{
				Authoritative: true,
				Answer:        []string{"a.example.org. 3600 IN A 192.0.2.10"},
				Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
			})
			harness.AssertResponse(t, ask(t, addr, network, "a.example.org.", dns.TypeAAAA), harness.Response{
				Authoritative: true,
				Ns:            []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600"},
			})
			harness.AssertResponse(t, ask(t, addr, network, "uni.example.org.", dns.TypeTXT), harness.Response{
				Authoritative: true,
				Ns:            []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600"},
			})
			harness.AssertResponse(t, ask(t, addr, network, "wtd.example.org.", 65460), harness.Response{
				Authoritative: true,
				Answer: []string{
					"wtd.example.org. 30 IN POOL a.example.org. 5",
					"wtd.example.org. 30 IN POOL b.example.org. 3",
					"wtd.example.org. 30 IN POOL c.example.org. 2",
				},
				Ns: []string{"example.org. 3600 IN NS ns1.example.org."},
			})
		})
	})
}

// Pools in two zones of one server pointing at each other end like file's CNAME loops:
// SERVFAIL after a few rounds, never a crash or a hang.
func TestPoolCrossZoneLoop(t *testing.T) {
	org := writeZone(t, "db.example.org", lines(
		"$ORIGIN example.org.",
		"@ 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600",
		"@ 3600 IN NS ns1.example.org.",
		"p 60 IN POOL p.example.com.",
	))
	com := writeZone(t, "db.example.com", lines(
		"$ORIGIN example.com.",
		"@ 3600 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600",
		"@ 3600 IN NS ns1.example.com.",
		"p 60 IN POOL p.example.org.",
	))
	s := harness.StartServer(t, fmt.Sprintf("example.org:0 {\n pool\n file %s\n}\nexample.com:0 {\n pool\n file %s\n}", org, com))
	both(t, s, func(t *testing.T, addr, network string) {
		r := ask(t, addr, network, "p.example.org.", dns.TypeA)
		if r.Rcode != dns.RcodeServerFailure || len(r.Answer) < 2 {
			t.Fatalf("want SERVFAIL with the CNAMEs followed:\n%s", r)
		}
		harness.AssertResponse(t, r, harness.Response{
			Rcode:         dns.RcodeServerFailure,
			Authoritative: true,
			Answer:        responseOf(r).Answer,
			Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
		})
		for _, rr := range r.Answer {
			c, ok := rr.(*dns.CNAME)
			if !ok || (c.Target != "p.example.com." && c.Target != "p.example.org.") {
				t.Errorf("unexpected record %s", rr)
			}
		}
	})
}

// The memo keeps a pool's records for its window, without asking the data plugin again;
// each query still draws its own member.
func TestPoolMemo(t *testing.T) {
	for _, tc := range []struct {
		memo string
		hits float64
	}{{"memo 1h", 299}, {"memo 0", 0}} {
		t.Run(tc.memo, func(t *testing.T) {
			s := startPool(t, "file", tc.memo)
			before := harness.MetricSumWhere(t, "coredns_pool_memo_hits_total", nil)
			got := picks(t, s, "uni.example.org.", 60, 300)
			if len(got) != 3 {
				t.Errorf("picked %v, want all three members", got)
			}
			if hits := harness.MetricSumWhere(t, "coredns_pool_memo_hits_total", nil) - before; hits != tc.hits {
				t.Errorf("%v memo hits, want %v", hits, tc.hits)
			}
			harness.AssertResponse(t, ask(t, s.UDP, "udp", "a.example.org.", dns.TypeAAAA), harness.Response{
				Authoritative: true,
				Ns:            []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600"},
			})
		})
	}
}

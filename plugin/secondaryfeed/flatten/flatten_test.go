package flatten

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/validate"

	"github.com/miekg/dns"
)

var headTexts = []string{
	"example.org.\t3600\tIN\tSOA\tns1.example.org. host.example.org. 1 7200 3600 1209600 300",
	"example.org.\t3600\tIN\tNS\tns1.example.org.",
	"ns1.example.org.\t3600\tIN\tA\t192.0.2.53",
}

func TestZoneAlias(t *testing.T) {
	c, clk := newChain(), newClock()
	c.set(t, origin, dns.TypeA, dns.RcodeSuccess, "@ 120 IN A 198.51.100.1\n@ 120 IN A 198.51.100.2")
	c.set(t, origin, dns.TypeAAAA, dns.RcodeSuccess, "@ 90 IN AAAA 2001:db8::1")
	rrs := parse(t, head+"@ 300 IN ALIAS lb.example.net.\n@ 300 IN MX 10 mail.example.net.")

	out, ps, refresh := Zone(context.Background(), origin, rrs, c.lookup, NewMemory(), Options{Now: clk.now, Min: time.Second})
	equalTexts(t, "flattened", out, append(slices.Clone(headTexts),
		"example.org.\t300\tIN\tMX\t10 mail.example.net.",
		"example.org.\t120\tIN\tA\t198.51.100.1",
		"example.org.\t120\tIN\tA\t198.51.100.2",
		"example.org.\t90\tIN\tAAAA\t2001:db8::1",
	))
	if len(ps) != 0 {
		t.Errorf("problems: %v", ps)
	}
	if refresh != 90*time.Second {
		t.Errorf("refresh %s, want the smallest TTL, 90s", refresh)
	}
	if q := c.questions(); !slices.Equal(q, []string{"example.org. A", "example.org. AAAA"}) {
		t.Errorf("asked %v", q)
	}
}

func TestZoneNoData(t *testing.T) {
	c, clk := newChain(), newClock()
	rrs := parse(t, head+"www 300 IN ALIAS nothing.example.net.")
	res := NewMemory()
	out, ps, refresh := Zone(context.Background(), origin, rrs, c.lookup, res, Options{Now: clk.now, Min: time.Second})
	equalTexts(t, "NODATA target", out, headTexts)
	if len(ps) != 0 {
		t.Errorf("problems: %v", ps)
	}
	if refresh != 300*time.Second {
		t.Errorf("refresh %s, want the ALIAS TTL for a NODATA answer", refresh)
	}
	r, ok, _ := res.Get(context.Background(), origin, "www.example.org.", dns.TypeA)
	if !ok || len(r.RRs) != 0 || r.TTL != 300 {
		t.Errorf("stored %+v %v, want an empty result with TTL 300", r, ok)
	}
}

func TestZoneReusesFreshResults(t *testing.T) {
	c, clk := newChain(), newClock()
	c.set(t, "www.example.org.", dns.TypeA, dns.RcodeSuccess, "www 60 IN A 198.51.100.1")
	rrs := parse(t, head+"www 300 IN ALIAS lb.example.net.")
	res, opt := NewMemory(), Options{Now: clk.now, Min: time.Second}
	Zone(context.Background(), origin, rrs, c.lookup, res, opt)
	c.questions()

	clk.t = clk.t.Add(59 * time.Second)
	c.set(t, "www.example.org.", dns.TypeA, dns.RcodeSuccess, "www 60 IN A 198.51.100.9")
	out, _, refresh := Zone(context.Background(), origin, rrs, c.lookup, res, opt)
	if q := c.questions(); slices.Contains(q, "www.example.org. A") {
		t.Errorf("asked %v while the stored result was fresh", q)
	}
	if refresh != time.Second {
		t.Errorf("refresh %s, want the 1s left (Min 1s)", refresh)
	}
	equalTexts(t, "fresh", out[3:], []string{"www.example.org.\t60\tIN\tA\t198.51.100.1"})

	// A change anywhere in the zone asks again: an in-zone target may have moved.
	changed := append(slices.Clone(rrs), parse(t, "txt 60 IN TXT x")...)
	out, _, _ = Zone(context.Background(), origin, changed, c.lookup, res, opt)
	equalTexts(t, "after a zone change", out[4:], []string{"www.example.org.\t60\tIN\tA\t198.51.100.9"})

	clk.t = clk.t.Add(time.Minute)
	c.set(t, "www.example.org.", dns.TypeA, dns.RcodeSuccess, "www 60 IN A 198.51.100.7")
	out, _, _ = Zone(context.Background(), origin, changed, c.lookup, res, opt)
	equalTexts(t, "expired", out[4:], []string{"www.example.org.\t60\tIN\tA\t198.51.100.7"})
}

func TestZoneFailureKeepsLastGood(t *testing.T) {
	c, clk := newChain(), newClock()
	c.set(t, "www.example.org.", dns.TypeA, dns.RcodeSuccess, "www 60 IN A 198.51.100.1")
	rrs := parse(t, head+"www 300 IN ALIAS lb.example.net.")
	res, opt := NewMemory(), Options{Now: clk.now, Min: 10 * time.Second}
	Zone(context.Background(), origin, rrs, c.lookup, res, opt)

	clk.t = clk.t.Add(time.Hour)
	c.fail = true
	out, ps, refresh := Zone(context.Background(), origin, rrs, c.lookup, res, opt)
	equalTexts(t, "stale", out[3:], []string{"www.example.org.\t60\tIN\tA\t198.51.100.1"})
	if len(ps) != 2 || ps[0].Rule != RuleStale || ps[0].Severity != report.Warning || ps[0].Name != "www.example.org." {
		t.Fatalf("problems %v, want a stale warning for A and AAAA", ps)
	}
	if refresh != 10*time.Second {
		t.Errorf("refresh %s, want Min after a failure", refresh)
	}

	// Another record changes while the chain fails: still the last good records.
	changed := append(slices.Clone(rrs), parse(t, "txt 60 IN TXT x")...)
	out, ps, _ = Zone(context.Background(), origin, changed, c.lookup, res, opt)
	equalTexts(t, "stale after a change elsewhere", out[4:], []string{"www.example.org.\t60\tIN\tA\t198.51.100.1"})
	if report.HasErrors(ps) {
		t.Errorf("problems %v, want warnings only", ps)
	}
	// The ALIAS itself changes: its old addresses are not fed for the new target.
	edited := parse(t, head+"www 300 IN ALIAS other.example.net.")
	out, ps, _ = Zone(context.Background(), origin, edited, c.lookup, res, opt)
	equalTexts(t, "edited ALIAS", out, headTexts)
	if len(ps) != 2 || ps[0].Rule != RuleFailed {
		t.Errorf("problems %v, want conversion-failed", ps)
	}
}

func TestZoneFailureWithoutResult(t *testing.T) {
	c := newChain()
	c.fail = true
	rrs := parse(t, head+"www 300 IN ALIAS lb.example.net.")
	out, ps, _ := Zone(context.Background(), origin, rrs, c.lookup, NewMemory(), Options{})
	equalTexts(t, "failed", out, headTexts)
	if len(ps) != 2 || ps[0].Rule != RuleFailed || !report.HasErrors(ps) {
		t.Fatalf("problems %v, want conversion-failed errors", ps)
	}
}

func TestZoneTimeout(t *testing.T) {
	block := func(ctx context.Context, _ string, _ uint16) *dns.Msg {
		<-ctx.Done()
		return nil
	}
	rrs := parse(t, head+"www 300 IN ALIAS lb.example.net.")
	out, ps, _ := Zone(context.Background(), origin, rrs, block, NewMemory(), Options{Timeout: 20 * time.Millisecond})
	equalTexts(t, "timed out", out, headTexts)
	if len(ps) != 2 || ps[0].Rule != RuleFailed {
		t.Fatalf("problems %v", ps)
	}
}

func TestZoneURL(t *testing.T) {
	c := newChain()
	c.set(t, "go.example.org.", dns.TypeA, dns.RcodeSuccess, "go 300 IN A 192.0.2.80")
	rrs := parse(t, head+`go 300 IN URL "https://www.example.com/" 302`+"\ngo 300 IN POOL p.example.net. 1")
	out, ps, _ := Zone(context.Background(), origin, rrs, c.lookup, NewMemory(), Options{})
	equalTexts(t, "URL beats POOL", out[3:], []string{"go.example.org.\t300\tIN\tA\t192.0.2.80"})
	if len(ps) != 1 || ps[0].Rule != validate.RuleSpecialConflict || ps[0].Severity != report.Warning {
		t.Errorf("problems %v, want the conflict reported", ps)
	}
}

func TestZoneOwnRecordsWin(t *testing.T) {
	c := newChain()
	rrs := parse(t, head+"a 300 IN ALIAS x.example.net.\na 300 IN A 192.0.2.1\nc 300 IN ALIAS y.example.net.\nc 300 IN CNAME z.example.net.")
	Zone(context.Background(), origin, rrs, c.lookup, NewMemory(), Options{})
	if q := c.questions(); !slices.Equal(q, []string{"a.example.org. AAAA"}) {
		t.Errorf("asked %v, want only a's AAAA: a holds A, c a CNAME", q)
	}
}

func TestZoneWildcard(t *testing.T) {
	c := newChain()
	c.set(t, "*.example.org.", dns.TypeA, dns.RcodeSuccess, "* 300 IN A 192.0.2.7")
	rrs := parse(t, head+"* 300 IN ALIAS lb.example.net.")
	out, _, _ := Zone(context.Background(), origin, rrs, c.lookup, NewMemory(), Options{})
	equalTexts(t, "wildcard", out[3:], []string{"*.example.org.\t300\tIN\tA\t192.0.2.7"})
}

func TestZonePool(t *testing.T) {
	rrs := parse(t, head+"www 60 IN POOL b.example.net. 5\nwww 60 IN POOL a.example.net. 1\nwww 60 IN POOL c.example.net. 5")
	out, ps, refresh := Zone(context.Background(), origin, rrs, newChain().lookup, NewMemory(), Options{})
	equalTexts(t, "pool", out[3:], []string{"www.example.org.\t60\tIN\tCNAME\tb.example.net."})
	if len(ps) != 0 || refresh != DefaultMax {
		t.Errorf("problems %v, refresh %s (want Max: nothing to refresh)", ps, refresh)
	}
}

func TestZoneOutsideAndLoops(t *testing.T) {
	rrs := parse(t, head+"other.example. 60 IN ALIAS x.example.net.\na 60 IN ALIAS b.example.org.\nb 60 IN CNAME a")
	_, ps, _ := Zone(context.Background(), origin, rrs, newChain().lookup, NewMemory(), Options{})
	rules := []string{}
	for _, p := range ps {
		rules = append(rules, p.Rule+" "+p.Name)
	}
	if !slices.Equal(rules, []string{"loop a.example.org.", "outside-zone other.example."}) {
		t.Errorf("problems %v", ps)
	}
}

func TestZoneRetain(t *testing.T) {
	c := newChain()
	c.set(t, "www.example.org.", dns.TypeA, dns.RcodeSuccess, "www 60 IN A 198.51.100.1")
	res := NewMemory()
	Zone(context.Background(), origin, parse(t, head+"www 300 IN ALIAS lb.example.net."), c.lookup, res, Options{})
	if _, ok, _ := res.Get(context.Background(), origin, "www.example.org.", dns.TypeA); !ok {
		t.Fatal("nothing stored")
	}
	Zone(context.Background(), origin, parse(t, head), c.lookup, res, Options{})
	if _, ok, _ := res.Get(context.Background(), origin, "www.example.org.", dns.TypeA); ok {
		t.Error("the result of a removed ALIAS was kept")
	}
}

func TestRefreshBounds(t *testing.T) {
	c := newChain()
	c.set(t, "www.example.org.", dns.TypeA, dns.RcodeSuccess, "www 5 IN A 198.51.100.1")
	c.set(t, "big.example.org.", dns.TypeA, dns.RcodeSuccess, "big 86400 IN A 198.51.100.1")
	c.set(t, "big.example.org.", dns.TypeAAAA, dns.RcodeSuccess, "big 86400 IN AAAA 2001:db8::1")
	_, _, r := Zone(context.Background(), origin, parse(t, head+"www 300 IN ALIAS x.example.net."), c.lookup, NewMemory(), Options{})
	if r != DefaultMin {
		t.Errorf("refresh %s, want Min", r)
	}
	_, _, r = Zone(context.Background(), origin, parse(t, head+"big 86400 IN ALIAS x.example.net."), c.lookup, NewMemory(), Options{Max: 10 * time.Minute})
	if r != 10*time.Minute {
		t.Errorf("refresh %s, want Max", r)
	}
}

// TestZoneParallel: names are converted Parallel at a time, no more.
func TestZoneParallel(t *testing.T) {
	var mu sync.Mutex
	inflight, most := 0, 0
	block := func(ctx context.Context, _ string, _ uint16) *dns.Msg {
		mu.Lock()
		inflight++
		most = max(most, inflight)
		mu.Unlock()
		<-ctx.Done()
		mu.Lock()
		inflight--
		mu.Unlock()
		return nil
	}
	text := head
	for i := range 8 {
		text += "n" + strconv.Itoa(i) + " 60 IN ALIAS x.example.net.\n"
	}
	_, ps, _ := Zone(context.Background(), origin, parse(t, text), block, NewMemory(), Options{Parallel: 4, Timeout: 100 * time.Millisecond})
	if len(ps) != 16 {
		t.Errorf("%d problems, want 16 failed conversions", len(ps))
	}
	if most != 4 {
		t.Errorf("%d lookups at once, want 4", most)
	}
}

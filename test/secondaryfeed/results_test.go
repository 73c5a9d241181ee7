package secondaryfeed

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/flatten"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"
	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
	"github.com/redis/go-redis/v9"
)

// node returns a Redis store on a client of its own, as another node would have.
func node(t *testing.T, r *harness.Redis) *flatten.Redis {
	c := redis.NewClient(&redis.Options{Addr: r.Addr})
	t.Cleanup(func() { c.Close() })
	return flatten.NewRedis(c, r.Prefix)
}

func TestRedisResults(t *testing.T) {
	r := harness.NewRedis(t)
	s := node(t, r)
	ctx := context.Background()
	if _, ok, err := s.Get(ctx, origin, "www.example.org.", dns.TypeA); ok || err != nil {
		t.Fatalf("empty store: %v %v", ok, err)
	}
	a, _ := dns.NewRR("www.example.org. 60 IN A 192.0.2.1")
	want := flatten.Result{RRs: []dns.RR{a}, Resolved: time.Unix(1700000000, 5), TTL: 60, Source: "src"}
	for _, o := range []string{"www.example.org.", "api.example.org."} {
		if err := s.Put(ctx, origin, o, dns.TypeA, want); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := node(t, r).Get(ctx, origin, "www.example.org.", dns.TypeA)
	if err != nil || !ok || texts(got.RRs) != texts(want.RRs) || !got.Resolved.Equal(want.Resolved) || got.TTL != 60 || got.Source != "src" {
		t.Fatalf("another node read %+v %v %v", got, ok, err)
	}
	keys, _ := r.Client.Keys(ctx, r.Prefix+"*").Result()
	if len(keys) != 1 || keys[0] != r.Prefix+"flatten:"+origin {
		t.Errorf("keys %v, want one hash under the prefix", keys)
	}

	if err := s.Retain(ctx, origin, []flatten.Key{{Owner: "api.example.org.", Qtype: dns.TypeA}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, origin, "www.example.org.", dns.TypeA); ok {
		t.Error("Retain kept www")
	}
	if _, ok, _ := s.Get(ctx, origin, "api.example.org.", dns.TypeA); !ok {
		t.Error("Retain dropped api")
	}
	if err := s.Forget(ctx, origin); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.Client.Exists(ctx, r.Prefix+"flatten:"+origin).Result(); n != 0 {
		t.Error("Forget left the hash")
	}
}

func TestRedisCorruptValue(t *testing.T) {
	r := harness.NewRedis(t)
	ctx := context.Background()
	r.Client.HSet(ctx, r.Prefix+"flatten:"+origin, "example.org. 1", `{"rrs":["not a record"]}`)
	_, ok, err := node(t, r).Get(ctx, origin, "example.org.", dns.TypeA)
	if ok || err == nil {
		t.Fatalf("a corrupt value read as %v, %v", ok, err)
	}
	// Zone reports it, resolves anyway and overwrites it.
	c := &chain{base: 1}
	out, ps, _ := flatten.Zone(ctx, origin, parse(t, zoneText), c.lookup, node(t, r), flatten.Options{})
	if !strings.Contains(texts(out), "example.org.\t120\tIN\tA\t198.51.100.1") {
		t.Errorf("not resolved:\n%s", texts(out))
	}
	if len(ps) != 1 || ps[0].Rule != flatten.RuleStore || ps[0].Severity != report.Warning {
		t.Errorf("problems %v, want one store warning", ps)
	}
	if _, _, err := node(t, r).Get(ctx, origin, "example.org.", dns.TypeA); err != nil {
		t.Errorf("still corrupt: %v", err)
	}
}

// TestNodesFeedTheSameZone: two nodes sharing Redis feed byte-identical zones even when
// their chains answer differently, and a restarted node whose chain fails feeds the last
// good records.
func TestNodesFeedTheSameZone(t *testing.T) {
	r := harness.NewRedis(t)
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	opt := flatten.Options{Now: clk.now}
	rrs := parse(t, zoneText)

	c1, c2 := &chain{base: 1}, &chain{base: 2}
	out1, ps1, refresh := flatten.Zone(ctx, origin, rrs, c1.lookup, node(t, r), opt)
	out2, ps2, _ := flatten.Zone(ctx, origin, rrs, c2.lookup, node(t, r), opt)
	if len(ps1)+len(ps2) != 0 {
		t.Fatalf("problems %v %v", ps1, ps2)
	}
	if texts(out1) != texts(out2) {
		t.Fatalf("nodes differ:\n%s\n--\n%s", texts(out1), texts(out2))
	}
	if c2.asked() != 0 {
		t.Errorf("node 2 asked its chain %d times while node 1's results were fresh", c2.asked())
	}
	if refresh != 2*time.Minute {
		t.Errorf("refresh %s, want the answers' TTL", refresh)
	}
	for _, want := range []string{"www.example.org.\t60\tIN\tCNAME\ta.example.net.", "go.example.org.\t120\tIN\tAAAA\t::1"} {
		if !strings.Contains(texts(out1), want) {
			t.Errorf("missing %q in\n%s", want, texts(out1))
		}
	}

	// Later, a restarted node whose chain fails: the last good records, reported.
	clk.t = clk.t.Add(time.Hour)
	c3 := &chain{fail: true}
	out3, ps3, _ := flatten.Zone(ctx, origin, rrs, c3.lookup, node(t, r), opt)
	if texts(out3) != texts(out1) {
		t.Errorf("after a restart with failures:\n%s\nwant\n%s", texts(out3), texts(out1))
	}
	if len(ps3) != 4 || ps3[0].Rule != flatten.RuleStale || report.HasErrors(ps3) {
		t.Errorf("problems %v, want 4 stale warnings (apex and go, A and AAAA)", ps3)
	}
	// It recovers: new answers replace the stale ones.
	c3.set(3, false)
	out4, ps4, _ := flatten.Zone(ctx, origin, rrs, c3.lookup, node(t, r), opt)
	if len(ps4) != 0 || !strings.Contains(texts(out4), "198.51.100.3") || strings.Contains(texts(out4), "198.51.100.1") {
		t.Errorf("after recovery (%v):\n%s", ps4, texts(out4))
	}
}

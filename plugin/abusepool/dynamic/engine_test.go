package dynamic

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
)

var t0 = time.Unix(1_800_000_000, 0)

// clock is the inspector's hand-driven clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func newClock(t time.Time) *clock    { return &clock{t: t} }
func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// inspector is a running inspector with 10 s buckets over 60 s, on a clock at t0.
func inspector(t *testing.T) (*inspect.Inspector, *clock) {
	t.Helper()
	clk := newClock(t0)
	i := inspect.New(inspect.Config{Window: 60 * time.Second, Buckets: 6, Capacity: 100, GroupLabels: 3, Now: clk.Now})
	i.Start()
	t.Cleanup(i.Stop)
	return i, clk
}

// send records n events from client for name with rcode and bytes.
func send(i *inspect.Inspector, n int, client, name string, rcode, bytes int) {
	a := netip.MustParseAddr(client)
	for range n {
		i.Record(inspect.Event{Name: name, Client: a, QType: dns.TypeA, Rcode: rcode, Bytes: bytes})
	}
}

// store is the part of the state dynamic needs, as the state does it: Add fails while a rule
// with the id is active; Extend moves a known rule's expiry when that gains more than minGain.
type store struct {
	mu       sync.Mutex
	rules    map[string]rules.Rule
	calls    int // Add calls
	extends  int // Extend calls
	extended int // extensions made (writes)
}

func newStore() *store { return &store{rules: map[string]rules.Rule{}} }

func (s *store) Extend(id string, until time.Time, minGain time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extends++
	r, ok := s.rules[id]
	if !ok {
		return false, fmt.Errorf("no rule %s", id)
	}
	if !until.After(r.Expires.Add(minGain)) {
		return false, nil
	}
	r.Expires = until
	s.rules[id] = r
	s.extended++
	return true, nil
}

func (s *store) Add(r rules.Rule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if old, ok := s.rules[r.ID]; ok && !old.Expired(r.Created) {
		return fmt.Errorf("rule %s exists", r.ID)
	}
	s.rules[r.ID] = r
	return nil
}

func threshold(t *testing.T, line string) Threshold {
	t.Helper()
	th, err := ParseCorefile(strings.Fields(line))
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// checkRules runs one Check and wants exactly want (ids, matches, actions, reasons), each
// made at now to expire after blockFor; then a second Check adds nothing, the counter moved
// by len(want) only.
func checkRules(t *testing.T, e *Engine, s *store, trigger string, blockFor time.Duration, want []rules.Rule) {
	t.Helper()
	now := t0.Add(time.Second)
	before := testutil.ToFloat64(rulesAdded.WithLabelValues(trigger))
	got := e.Check(now)
	if len(got) != len(want) {
		t.Fatalf("%d rules %+v, want %d %+v", len(got), got, len(want), want)
	}
	for k, w := range want {
		g := got[k]
		if g.ID != w.ID || g.Match != w.Match || g.Action != w.Action || g.Reason != w.Reason || g.Pool != w.Pool {
			t.Errorf("rule %d:\n got %+v\nwant %+v", k, g, w)
		}
		if (g.Limit == nil) != (w.Limit == nil) || g.Limit != nil && *g.Limit != *w.Limit {
			t.Errorf("rule %d limit %+v, want %+v", k, g.Limit, w.Limit)
		}
		if g.Origin != rules.FromDynamic || !g.Created.Equal(now) || !g.Expires.Equal(now.Add(blockFor)) {
			t.Errorf("rule %d: origin %s created %s expires %s", k, g.Origin, g.Created, g.Expires)
		}
		if _, ok := s.rules[g.ID]; !ok {
			t.Errorf("rule %s returned but not added", g.ID)
		}
	}
	calls := s.calls
	if again := e.Check(now.Add(time.Second)); len(again) != 0 {
		t.Errorf("second check added %+v while the first rules are active", again)
	}
	if s.calls != calls+len(want) || s.extends != len(want) || s.extended != 0 {
		t.Errorf("second check called add %d times, extend %d times, extended %d rules; want %d, %d, 0 (a second's gain is below a quarter of BLOCKFOR)",
			s.calls-calls, s.extends, s.extended, len(want), len(want))
	}
	if after := testutil.ToFloat64(rulesAdded.WithLabelValues(trigger)); after-before != float64(len(want)) {
		t.Errorf("%s counter moved by %v, want %d", trigger, after-before, len(want))
	}
}

func TestQueryRateClient(t *testing.T) {
	i, _ := inspector(t)
	send(i, 150, "192.0.2.1", "a.example.", dns.RcodeSuccess, 100)
	send(i, 100, "192.0.2.2", "a.example.", dns.RcodeSuccess, 100) // exactly 10/s: not above
	send(i, 50, "2001:db8::1", "a.example.", dns.RcodeSuccess, 100)
	s := newStore()
	e := New([]Threshold{threshold(t, "query_rate client 10 10s 5m drop")}, i, s)
	checkRules(t, e, s, QueryRate, 5*time.Minute, []rules.Rule{{
		ID: "dyn-query-rate-192.0.2.1", Match: rules.Match{CIDR: "192.0.2.1/32"}, Action: rules.Drop,
		Reason: "query_rate 15/s over 10s > 10/s"}})
}

func TestQueryRateClientIPv6(t *testing.T) {
	i, _ := inspector(t)
	send(i, 101, "2001:db8::1", "a.example.", dns.RcodeSuccess, 100)
	s := newStore()
	e := New([]Threshold{threshold(t, "query_rate client 10 10s 1m refused")}, i, s)
	checkRules(t, e, s, QueryRate, time.Minute, []rules.Rule{{
		ID: "dyn-query-rate-2001-db8--1", Match: rules.Match{CIDR: "2001:db8::1/128"}, Action: rules.Refused,
		Reason: "query_rate 10.1/s over 10s > 10/s"}})
}

func TestQueryRateSubnet(t *testing.T) {
	i, _ := inspector(t)
	for n := 1; n <= 150; n++ { // one query each from 150 addresses of one /24
		send(i, 1, fmt.Sprintf("192.0.2.%d", n), "a.example.", dns.RcodeSuccess, 100)
	}
	for n := 1; n <= 200; n++ { // and from 200 addresses of one /56
		send(i, 1, fmt.Sprintf("2001:db8:0:1%02x::%x", n%256, n), "a.example.", dns.RcodeSuccess, 100)
	}
	send(i, 90, "198.51.100.1", "a.example.", dns.RcodeSuccess, 100)
	s := newStore()
	e := New([]Threshold{threshold(t, "query_rate subnet 10 10s 1h ratelimit 5 10 client drop")}, i, s)
	limit := &rules.Limit{QPS: 5, Burst: 10, Per: rules.PerClient, Then: rules.Drop}
	checkRules(t, e, s, QueryRate, time.Hour, []rules.Rule{
		{ID: "dyn-query-rate-192.0.2.0-24", Match: rules.Match{CIDR: "192.0.2.0/24"}, Action: rules.RateLimit, Limit: limit,
			Reason: "query_rate 15/s over 10s > 10/s"},
		{ID: "dyn-query-rate-2001-db8-0-100---56", Match: rules.Match{CIDR: "2001:db8:0:100::/56"}, Action: rules.RateLimit, Limit: limit,
			Reason: "query_rate 20/s over 10s > 10/s"},
	})
	// Each rule has its own Limit.
	a, b := s.rules["dyn-query-rate-192.0.2.0-24"], s.rules["dyn-query-rate-2001-db8-0-100---56"]
	if a.Limit == b.Limit {
		t.Error("two rules share one Limit")
	}
}

func TestRcodeRate(t *testing.T) {
	i, _ := inspector(t)
	send(i, 120, "192.0.2.1", "x.example.", dns.RcodeNameError, 100)
	send(i, 50, "192.0.2.2", "x.example.", dns.RcodeNameError, 100)
	send(i, 500, "192.0.2.3", "x.example.", dns.RcodeSuccess, 100) // fast, but no NXDOMAIN
	send(i, 300, "192.0.2.4", "x.example.", dns.RcodeServerFailure, 100)
	s := newStore()
	e := New([]Threshold{threshold(t, "rcode_rate nxdomain client 10 10s 10m truncate")}, i, s)
	checkRules(t, e, s, RcodeRate, 10*time.Minute, []rules.Rule{{
		ID: "dyn-rcode-rate-nxdomain-192.0.2.1", Match: rules.Match{CIDR: "192.0.2.1/32"}, Action: rules.Truncate,
		Reason: "rcode_rate nxdomain 12/s over 10s > 10/s"}})

	s = newStore()
	e = New([]Threshold{threshold(t, "rcode_rate servfail client 10 10s 10m drop")}, i, s)
	checkRules(t, e, s, RcodeRate, 10*time.Minute, []rules.Rule{{
		ID: "dyn-rcode-rate-servfail-192.0.2.4", Match: rules.Match{CIDR: "192.0.2.4/32"}, Action: rules.Drop,
		Reason: "rcode_rate servfail 30/s over 10s > 10/s"}})
}

func TestNXDomainRatio(t *testing.T) {
	i, _ := inspector(t)
	for n := range 200 { // a random-subdomain attack: 180 of 200 NXDOMAIN
		rcode := dns.RcodeNameError
		if n%10 == 0 {
			rcode = dns.RcodeSuccess
		}
		send(i, 1, "192.0.2.1", fmt.Sprintf("r%d.www.t-ipnet.de.", n), rcode, 100)
	}
	for n := range 200 { // 50 of 200
		rcode := dns.RcodeSuccess
		if n%4 == 0 {
			rcode = dns.RcodeNameError
		}
		send(i, 1, "192.0.2.2", fmt.Sprintf("h%d.example.com.", n), rcode, 100)
	}
	send(i, 20, "192.0.2.3", "gone.small.org.", dns.RcodeNameError, 100) // all NXDOMAIN, too few
	s := newStore()
	e := New([]Threshold{threshold(t, "nxdomain_ratio 2 0.5 100 10s 10m pool abuse")}, i, s)
	checkRules(t, e, s, NXDomainRatio, 10*time.Minute, []rules.Rule{{
		ID: "dyn-nxdomain-ratio-t-ipnet.de.", Match: rules.Match{Suffix: "t-ipnet.de."}, Action: rules.Pool, Pool: "abuse",
		Reason: "nxdomain_ratio 0.9 of 200 queries over 10s > 0.5"}})
}

func TestResponseBytes(t *testing.T) {
	i, _ := inspector(t)
	send(i, 20, "192.0.2.1", "any.example.", dns.RcodeSuccess, 3000) // 6000 B/s
	send(i, 500, "192.0.2.2", "a.example.", dns.RcodeSuccess, 10)    // many queries, 500 B/s
	send(i, 5, "192.0.2.3", "a.example.", inspect.NoAnswer, 0)
	s := newStore()
	e := New([]Threshold{threshold(t, "response_bytes client 1000 10s 1m refused")}, i, s)
	checkRules(t, e, s, ResponseBytes, time.Minute, []rules.Rule{{
		ID: "dyn-response-bytes-192.0.2.1", Match: rules.Match{CIDR: "192.0.2.1/32"}, Action: rules.Refused,
		Reason: "response_bytes 6000B/s over 10s > 1000B/s"}})
}

// TestUnderThresholds: light traffic makes nothing, and add is never asked.
func TestUnderThresholds(t *testing.T) {
	i, _ := inspector(t)
	send(i, 50, "192.0.2.1", "x.example.", dns.RcodeNameError, 500)
	send(i, 50, "192.0.2.2", "x.example.", dns.RcodeServerFailure, 500)
	s := newStore()
	var ts []Threshold
	for _, line := range []string{
		"query_rate client 10 10s 1m drop",
		"query_rate subnet 10 10s 1m drop",
		"rcode_rate nxdomain client 5 10s 1m drop",
		"rcode_rate servfail client 5 10s 1m drop",
		"nxdomain_ratio 2 0.5 101 10s 1m drop",
		"response_bytes client 2500 10s 1m drop",
	} {
		ts = append(ts, threshold(t, line))
	}
	if got := New(ts, i, s).Check(t0); len(got) != 0 || s.calls != 0 {
		t.Errorf("rules %+v, add called %d times", got, s.calls)
	}
}

// TestOldTrafficMakesNothing: what left the threshold's window no longer counts.
func TestOldTrafficMakesNothing(t *testing.T) {
	i, clk := inspector(t)
	send(i, 500, "192.0.2.1", "a.example.", dns.RcodeSuccess, 100)
	i.Flush()
	clk.Add(20 * time.Second)
	s := newStore()
	e := New([]Threshold{threshold(t, "query_rate client 10 10s 1m drop")}, i, s)
	if got := e.Check(clk.Now()); len(got) != 0 {
		t.Errorf("rules from traffic 20 s old: %+v", got)
	}
	// Over the whole minute it is still 500/60 > 5.
	e = New([]Threshold{threshold(t, "query_rate client 5 60s 1m drop")}, i, s)
	if got := e.Check(clk.Now()); len(got) != 1 {
		t.Errorf("over 60 s: %+v, want one rule", got)
	}
}

func TestThresholdTheInspectorCannotAnswer(t *testing.T) {
	i, _ := inspector(t)
	send(i, 5000, "192.0.2.1", "a.b.c.d.example.", dns.RcodeNameError, 100)
	for _, line := range []string{"query_rate client 1 2m 1m drop", "nxdomain_ratio 4 0.5 1 10s 1m drop"} {
		th := threshold(t, line)
		if err := th.Fits(i.Config()); err == nil {
			t.Errorf("%q fits an inspector of 60s and 3 labels", line)
		}
		s := newStore()
		if got := New([]Threshold{th}, i, s).Check(t0); len(got) != 0 {
			t.Errorf("%q made %+v", line, got)
		}
	}
	if err := threshold(t, "nxdomain_ratio 3 0.5 1 60s 1m drop").Fits(i.Config()); err != nil {
		t.Errorf("the largest fitting threshold: %v", err)
	}
}

// TestStartStop: a started engine adds rules by itself and Stop leaves no goroutine.
func TestStartStop(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := newClock(t0)
	i := inspect.New(inspect.Config{Window: 60 * time.Second, Buckets: 6, Capacity: 100, Now: clk.Now})
	i.Start()
	defer i.Stop()
	send(i, 500, "192.0.2.1", "a.example.", dns.RcodeSuccess, 100)
	added := make(chan rules.Rule, 1)
	e := New([]Threshold{threshold(t, "query_rate client 10 10s 1m drop")}, i, chanStore(added))
	e.Start(10 * time.Millisecond)
	e.Start(10 * time.Millisecond) // a second Start does nothing
	select {
	case r := <-added:
		if r.ID != "dyn-query-rate-192.0.2.1" {
			t.Errorf("added %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no rule added within 10 s")
	}
	e.Stop()
	e.Stop()
}

// chanStore sends the first rule added on its channel; later adds fail, and nothing is
// extended.
type chanStore chan rules.Rule

func (c chanStore) Add(r rules.Rule) error {
	select {
	case c <- r:
		return nil
	default:
		return fmt.Errorf("exists")
	}
}

func (c chanStore) Extend(string, time.Time, time.Duration) (bool, error) { return false, nil }

func TestNumber(t *testing.T) {
	for v, want := range map[float64]string{1520: "1520", 10.1: "10.1", 10.0 / 3: "3.33", 0.5: "0.5", 0.899999: "0.9", 1e20: "100000000000000000000"} {
		if got := number(v); got != want {
			t.Errorf("number(%v) = %q, want %q", v, got, want)
		}
	}
}

// Two thresholds of one kind (escalating levels) block one offender under two ids, the same
// on every node; rcode_rate's ids name the rcode.
func TestIDNamesApart(t *testing.T) {
	got := idNames([]Threshold{
		threshold(t, "query_rate client 100 10s 1m truncate"),
		threshold(t, "query_rate client 1000 10s 10m drop"),
		threshold(t, "rcode_rate nxdomain client 10 10s 1m drop"),
		threshold(t, "rcode_rate servfail client 10 10s 1m drop"),
		threshold(t, "query_rate subnet 5000 10s 1m drop"),
	})
	want := []string{"query_rate", "query_rate-2", "rcode_rate-nxdomain", "rcode_rate-servfail", "query_rate-3"}
	if !slices.Equal(got, want) {
		t.Errorf("id names %q, want %q", got, want)
	}
}

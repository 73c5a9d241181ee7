package dynamic

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/miekg/dns"
)

func TestParseCorefile(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Threshold
	}{
		{"query_rate client 1000 10s 5m drop", Threshold{Trigger: QueryRate, Per: rules.PerClient, Rate: 1000,
			Window: 10 * time.Second, BlockFor: 5 * time.Minute, Action: rules.Drop}},
		{"query_rate subnet 2.5 1m 1h refused", Threshold{Trigger: QueryRate, Per: rules.PerSubnet, Rate: 2.5,
			Window: time.Minute, BlockFor: time.Hour, Action: rules.Refused}},
		{"rcode_rate nxdomain client 50 10s 10m truncate", Threshold{Trigger: RcodeRate, Per: rules.PerClient,
			Rcode: dns.RcodeNameError, Rate: 50, Window: 10 * time.Second, BlockFor: 10 * time.Minute, Action: rules.Truncate}},
		{"rcode_rate servfail client 5 30s 1m ratelimit 10 20 client refused", Threshold{Trigger: RcodeRate, Per: rules.PerClient,
			Rcode: dns.RcodeServerFailure, Rate: 5, Window: 30 * time.Second, BlockFor: time.Minute, Action: rules.RateLimit,
			Limit: &rules.Limit{QPS: 10, Burst: 20, Per: rules.PerClient, Then: rules.Refused}}},
		{"nxdomain_ratio 2 0.5 100 10s 10m pool abuse", Threshold{Trigger: NXDomainRatio, Labels: 2, Ratio: 0.5,
			MinQueries: 100, Window: 10 * time.Second, BlockFor: 10 * time.Minute, Action: rules.Pool, Pool: "abuse"}},
		{"response_bytes client 100000 10s 1m ratelimit 5 5 subnet drop", Threshold{Trigger: ResponseBytes, Per: rules.PerClient,
			Rate: 100000, Window: 10 * time.Second, BlockFor: time.Minute, Action: rules.RateLimit,
			Limit: &rules.Limit{QPS: 5, Burst: 5, Per: rules.PerSubnet, Then: rules.Drop}}},
	} {
		got, err := ParseCorefile(strings.Fields(tc.line))
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.line, got, tc.want)
		}
	}
}

// TestParseCorefileErrors: each bad line fails with ErrInvalid and names the bad token.
func TestParseCorefileErrors(t *testing.T) {
	for _, tc := range []struct{ line, names string }{
		{"", "missing trigger"},
		{"query_ratee client 1 1s 1s drop", `"query_ratee"`},
		{"query_rate name 1 1s 1s drop", `"name"`},
		{"query_rate client", "missing RATE"},
		{"query_rate client x 1s 1s drop", `RATE "x"`},
		{"query_rate client 0 1s 1s drop", `RATE "0"`},
		{"query_rate client NaN 1s 1s drop", `RATE "NaN"`},
		{"query_rate client -1 1s 1s drop", `RATE "-1"`},
		{"query_rate client Inf 1s 1s drop", `RATE "Inf"`},
		{"query_rate client 1 1 1s drop", `WINDOW "1"`},
		{"query_rate client 1 0s 1s drop", `WINDOW "0s"`},
		{"query_rate client 1 1s -1s drop", `BLOCKFOR "-1s"`},
		{"query_rate client 1 1s 1s", `action "": missing`},
		{"query_rate client 1 1s 1s block", `"block"`},
		{"query_rate client 1 1s 1s drop now", `"now"`},
		{"rcode_rate noerror client 1 1s 1s drop", `"noerror"`},
		{"rcode_rate nxdomain subnet 1 1s 1s drop", `"subnet"`},
		{"nxdomain_ratio 0 0.5 1 1s 1s drop", `LABELS "0"`},
		{"nxdomain_ratio 128 0.5 1 1s 1s drop", `LABELS "128"`},
		{"nxdomain_ratio 2 1.5 1 1s 1s drop", `RATIO "1.5"`},
		{"nxdomain_ratio 2 0 1 1s 1s drop", `RATIO "0"`},
		{"nxdomain_ratio 2 0.5 0 1s 1s drop", `MINQUERIES "0"`},
		{"nxdomain_ratio 2 0.5 -3 1s 1s drop", `MINQUERIES "-3"`},
		{"response_bytes subnet 1 1s 1s drop", `"subnet"`},
		{"query_rate client 1 1s 1s ratelimit 10 20 client", `ratelimit "10 20 client": want QPS BURST`},
		{"query_rate client 1 1s 1s ratelimit x 20 client drop", `qps "x"`},
		{"query_rate client 1 1s 1s ratelimit 10 0 client drop", `burst "0"`},
		{"query_rate client 1 1s 1s ratelimit 10 1.5 client drop", `burst "1.5"`},
		{"query_rate client 1 1s 1s ratelimit 10 20 zone drop", `"zone"`},
		{"query_rate client 1 1s 1s ratelimit 10 20 client pool", `"pool"`},
		{"query_rate client 1 1s 1s pool", "missing the pool's name"},
		{"query_rate client 1 1s 1s pool a/b", `"a/b"`},
	} {
		_, err := ParseCorefile(strings.Fields(tc.line))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.names) {
			t.Errorf("%q: error %v, want ErrInvalid naming %s", tc.line, err, tc.names)
		}
	}
}

// FuzzParseCorefile: no line crashes the parser; every error wraps ErrInvalid; every line it
// accepts is a threshold the engine can use.
func FuzzParseCorefile(f *testing.F) {
	for _, s := range []string{
		"query_rate client 1000 10s 5m drop",
		"query_rate subnet 2.5 1m 1h refused",
		"rcode_rate nxdomain client 50 10s 10m truncate",
		"rcode_rate servfail client 5 30s 1m ratelimit 10 20 client refused",
		"nxdomain_ratio 2 0.5 100 10s 10m pool abuse",
		"response_bytes client 100000 10s 1m ratelimit 5 5 subnet drop",
		"query_rate client 1e309 1s 1s drop",
		"nxdomain_ratio 2 0.5 18446744073709551616 1s 1s drop",
		"query_rate client 1 1s 1s ratelimit 10 20 client",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		th, err := ParseCorefile(strings.Fields(line))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: error %v does not wrap ErrInvalid", line, err)
			}
			return
		}
		if th.Window <= 0 || th.BlockFor <= 0 {
			t.Fatalf("%q: accepted durations %s %s", line, th.Window, th.BlockFor)
		}
		if th.Trigger == NXDomainRatio {
			if th.Ratio <= 0 || th.Ratio > 1 || th.MinQueries < 1 || th.Labels < 1 {
				t.Fatalf("%q: accepted %+v", line, th)
			}
		} else if !(th.Rate > 0) {
			t.Fatalf("%q: accepted rate %v", line, th.Rate)
		}
		if (th.Action == rules.RateLimit) != (th.Limit != nil) || (th.Action == rules.Pool) != (th.Pool != "") {
			t.Fatalf("%q: action %s with limit %v pool %q", line, th.Action, th.Limit, th.Pool)
		}
	})
}

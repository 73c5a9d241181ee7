package rules

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseCorefile(f *testing.F) {
	for _, s := range []string{
		"block suffix evil.example drop",
		"r cidr 192.0.2.9/24 qtype any refused for 10m",
		"lim cidr 2001:db8::/32 ratelimit 100 200 subnet truncate",
		"ab suffix t-ipnet.de qtype TYPE65401 pool abuse for 1h",
		"x suffix a ratelimit 1e400 1 client drop",
		"x cidr ::ffff:1.2.3.4 truncate",
		"x suffix \\046 drop",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseCorefile(strings.Fields(s), now)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: error does not wrap ErrInvalid: %v", s, err)
			}
			return
		}
		roundTrip(t, r)
		again := r
		if err := again.Validate(nil); err != nil || again.Match != r.Match {
			t.Fatalf("%q: validating twice changed %+v to %+v (%v)", s, r.Match, again.Match, err)
		}
		NewSet([]Rule{r}).Match(Query{Name: "a.example.", QType: 1})
	})
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"id":"lim","match":{"suffix":"Example.com","qtype":"a"},"action":"ratelimit","limit":{"qps":5,"burst":10,"per":"name","then":"refused"},"origin":"api","created":"2026-12-06T03:00:00Z"}`,
		`{"id":"p","match":{"cidr":"10.1.2.3/8"},"action":"pool","pool":"abuse","expires":"2027-01-01T00:00:00+02:00"}`,
		`{"id":"d","match":{"cidr":"2001:db8::1"},"action":"drop","reason":"query_rate 1520/s"}`,
		`{"id":"a"} x`,
		`null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseJSON(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if err := r.Validate(nil); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		roundTrip(t, r)
		NewSet([]Rule{r}).Match(Query{Name: "a.example.", QType: 1})
	})
}

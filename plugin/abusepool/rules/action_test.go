package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseAction(t *testing.T) {
	cases := []struct {
		in     string
		action Action
		limit  *Limit
		pool   string
		rest   []string
	}{
		{"drop", Drop, nil, "", []string{}},
		{"refused for 1m", Refused, nil, "", []string{"for", "1m"}},
		{"truncate x", Truncate, nil, "", []string{"x"}},
		{"ratelimit 0.5 3 name refused", RateLimit, &Limit{QPS: 0.5, Burst: 3, Per: PerName, Then: Refused}, "", []string{}},
		{"ratelimit 100 100 subnet truncate for 5m", RateLimit, &Limit{QPS: 100, Burst: 100, Per: PerSubnet, Then: Truncate}, "", []string{"for", "5m"}},
		{"pool abuse-1", Pool, nil, "abuse-1", []string{}},
	}
	for _, c := range cases {
		a, l, p, rest, err := ParseAction(strings.Fields(c.in))
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if a != c.action || !reflect.DeepEqual(l, c.limit) || p != c.pool || !reflect.DeepEqual(rest, c.rest) {
			t.Errorf("%q: got %q %+v %q %q", c.in, a, l, p, rest)
		}
	}
	for _, in := range []string{"", "pass", "ratelimit", "ratelimit 1 1 client", "ratelimit -1 1 client drop", "ratelimit NaN 1 client drop", "ratelimit Inf 1 client drop", "pool"} {
		if _, _, _, _, err := ParseAction(strings.Fields(in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want ErrInvalid", in, err)
		}
	}
}

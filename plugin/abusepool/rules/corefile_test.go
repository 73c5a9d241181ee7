package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

func TestParseCorefile(t *testing.T) {
	cases := []struct {
		in   string
		want Rule
	}{
		{"block suffix Evil.Example drop", Rule{ID: "block", Match: Match{Suffix: "evil.example."}, Action: Drop}},
		{"r cidr 192.0.2.9/24 qtype any refused for 10m", Rule{ID: "r", Match: Match{CIDR: "192.0.2.0/24", QType: "ANY"}, Action: Refused, Expires: now.Add(10 * time.Minute)}},
		{"tc qtype TXT suffix . truncate", Rule{ID: "tc", Match: Match{Suffix: ".", QType: "TXT"}, Action: Truncate}},
		{"lim cidr 2001:db8::/32 ratelimit 100 200 subnet truncate", Rule{ID: "lim", Match: Match{CIDR: "2001:db8::/32"}, Action: RateLimit,
			Limit: &Limit{QPS: 100, Burst: 200, Per: PerSubnet, Then: Truncate}}},
		{"ab suffix t-ipnet.de pool abuse for 1h", Rule{ID: "ab", Match: Match{Suffix: "t-ipnet.de."}, Action: Pool, Pool: "abuse", Expires: now.Add(time.Hour)}},
	}
	for _, c := range cases {
		got, err := ParseCorefile(strings.Fields(c.in), now)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		c.want.Origin, c.want.Created = FromCorefile, now
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.in, got, c.want)
		}
	}
}

func TestParseCorefileErrors(t *testing.T) {
	cases := []struct{ in, names string }{
		{"", "id"},
		{"x", "action"},
		{"x drop", "match"},
		{"x suffix", "suffix"},
		{"x suffix a suffix b drop", "given twice"},
		{"x suffix a explode", `"explode"`},
		{"x suffix a drop extra", `"extra"`},
		{"x suffix a drop for", "for"},
		{"x suffix a drop for -1m", `"-1m"`},
		{"x suffix a drop for 10m more", `"more"`},
		{"x suffix a ratelimit 10 20 client", "ratelimit"},
		{"x suffix a ratelimit ten 20 client drop", `qps "ten"`},
		{"x suffix a ratelimit 10 2.5 client drop", `burst "2.5"`},
		{"x suffix a ratelimit 10 20 zone drop", `per "zone"`},
		{"x suffix a ratelimit 10 20 client pool", `then "pool"`},
		{"x suffix a pool", "pool"},
		{"x suffix a pool Bad!", `pool "Bad!"`},
		{"x cidr 10.0.0.0/33 drop", `cidr "10.0.0.0/33"`},
		{"x qtype BOGUS drop", `qtype "BOGUS"`},
		{"X! suffix a drop", `id "X!"`},
	}
	for _, c := range cases {
		_, err := ParseCorefile(strings.Fields(c.in), now)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want ErrInvalid", c.in, err)
			continue
		}
		if !strings.Contains(err.Error(), c.names) {
			t.Errorf("%q: error %q does not name %s", c.in, err, c.names)
		}
	}
}

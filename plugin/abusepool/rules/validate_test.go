package rules

import (
	"errors"
	"strings"
	"testing"
)

func validRule() Rule {
	return Rule{ID: "r1", Match: Match{Suffix: "Example.COM"}, Action: Drop, Origin: FromAPI}
}

func TestValidateCanonicalises(t *testing.T) {
	r := Rule{ID: "r1", Match: Match{Suffix: "Example.COM", CIDR: "192.0.2.77/24", QType: "any"}, Action: Drop}
	if err := r.Validate(nil); err != nil {
		t.Fatal(err)
	}
	want := Match{Suffix: "example.com.", CIDR: "192.0.2.0/24", QType: "ANY"}
	if r.Match != want {
		t.Errorf("Match = %+v, want %+v", r.Match, want)
	}
	cases := map[string]Match{
		"2001:DB8::1":          {CIDR: "2001:db8::1/128"},
		"::ffff:192.0.2.1/120": {CIDR: "192.0.2.0/24"},
		"198.51.100.7":         {CIDR: "198.51.100.7/32"},
	}
	for in, want := range cases {
		r := Rule{ID: "x", Match: Match{CIDR: in}, Action: Refused}
		if err := r.Validate(nil); err != nil || r.Match != want {
			t.Errorf("cidr %q: %+v, %v; want %+v", in, r.Match, err, want)
		}
	}
	for in, want := range map[string]string{"type65401": "TYPE65401", "TYPE1": "A", "txt": "TXT", ".": "."} {
		r := Rule{ID: "x", Match: Match{QType: in}, Action: Refused}
		if in == "." {
			r.Match = Match{Suffix: in}
		}
		if err := r.Validate(nil); err != nil || (r.Match.QType != want && r.Match.Suffix != want) {
			t.Errorf("%q: %+v, %v; want %q", in, r.Match, err, want)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	limit := &Limit{QPS: 10, Burst: 20, Per: PerClient, Then: Drop}
	cases := []struct {
		name  string
		edit  func(*Rule)
		field string // the error must name it
	}{
		{"empty id", func(r *Rule) { r.ID = "" }, "id"},
		{"upper id", func(r *Rule) { r.ID = "Abc" }, `"Abc"`},
		{"long id", func(r *Rule) { r.ID = strings.Repeat("a", 65) }, "id"},
		{"no match", func(r *Rule) { r.Match = Match{} }, "match"},
		{"bad suffix", func(r *Rule) { r.Match.Suffix = "a..b" }, `suffix "a..b"`},
		{"bad cidr", func(r *Rule) { r.Match.CIDR = "300.1.1.1/8" }, `cidr "300.1.1.1/8"`},
		{"cidr zone", func(r *Rule) { r.Match.CIDR = "fe80::1%eth0" }, "cidr"},
		{"bad qtype", func(r *Rule) { r.Match.QType = "NOPE" }, `qtype "NOPE"`},
		{"type0", func(r *Rule) { r.Match.QType = "TYPE0" }, "qtype"},
		{"type too big", func(r *Rule) { r.Match.QType = "TYPE65536" }, "qtype"},
		{"pass", func(r *Rule) { r.Action = Pass }, `action "pass"`},
		{"ratelimit without limit", func(r *Rule) { r.Action = RateLimit }, "limit"},
		{"limit on drop", func(r *Rule) { r.Limit = limit }, "limit"},
		{"zero qps", func(r *Rule) { r.Action, r.Limit = RateLimit, &Limit{Burst: 1, Per: PerClient, Then: Drop} }, "qps"},
		{"zero burst", func(r *Rule) { r.Action, r.Limit = RateLimit, &Limit{QPS: 1, Per: PerClient, Then: Drop} }, "burst"},
		{"bad per", func(r *Rule) { r.Action, r.Limit = RateLimit, &Limit{QPS: 1, Burst: 1, Per: "zone", Then: Drop} }, `per "zone"`},
		{"bad then", func(r *Rule) { r.Action, r.Limit = RateLimit, &Limit{QPS: 1, Burst: 1, Per: PerName, Then: Pool} }, `then "pool"`},
		{"pool missing", func(r *Rule) { r.Action = Pool }, "pool"},
		{"unknown pool", func(r *Rule) { r.Action, r.Pool = Pool, "nope" }, `pool "nope"`},
		{"pool on drop", func(r *Rule) { r.Pool = "abuse" }, "pool"},
		{"origin", func(r *Rule) { r.Origin = "elsewhere" }, "origin"},
		{"reason", func(r *Rule) { r.Reason = strings.Repeat("x", 257) }, "reason"},
		{"reason utf8", func(r *Rule) { r.Reason = "\xff" }, "reason"},
	}
	poolExists := func(p string) bool { return p == "abuse" }
	for _, c := range cases {
		r := validRule()
		c.edit(&r)
		before := r
		err := r.Validate(poolExists)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %q does not name %s", c.name, err, c.field)
		}
		if r.Match != before.Match {
			t.Errorf("%s: the rule changed on error", c.name)
		}
	}
}

func TestValidatePool(t *testing.T) {
	r := Rule{ID: "p", Match: Match{Suffix: "x."}, Action: Pool, Pool: "abuse"}
	if err := r.Validate(func(p string) bool { return p == "abuse" }); err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(nil); err != nil {
		t.Fatalf("nil poolExists must skip the pool check: %v", err)
	}
}

func TestErrorsQuoteLittle(t *testing.T) {
	r := validRule()
	r.Match.Suffix = strings.Repeat("a.", 5000)
	err := r.Validate(nil)
	if !errors.Is(err, ErrInvalid) || len(err.Error()) > 200 {
		t.Errorf("error of %d bytes: %.300v", len(err.Error()), err)
	}
}

package kernelfilter

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

func TestDropPrefixes(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	rs := []rules.Rule{
		{ID: "a", Match: rules.Match{CIDR: "192.0.2.0/24"}, Action: rules.Drop},
		{ID: "b", Match: rules.Match{CIDR: "198.51.100.0/24", Suffix: "example."}, Action: rules.Drop},
		{ID: "c", Match: rules.Match{CIDR: "203.0.113.0/24"}, Action: rules.Refused},
		{ID: "d", Match: rules.Match{CIDR: "2001:db8::/32", QType: "ANY"}, Action: rules.Drop},
		{ID: "e", Match: rules.Match{CIDR: "2001:db8::1"}, Action: rules.Drop},
		{ID: "f", Match: rules.Match{CIDR: "10.0.0.1/32"}, Action: rules.Drop, Expires: now},
		{ID: "g", Match: rules.Match{CIDR: "::ffff:10.0.0.0/104"}, Action: rules.Drop},
		{ID: "h", Match: rules.Match{CIDR: "10.1.0.0/16"}, Action: rules.Drop, Expires: now.Add(time.Second)},
	}
	got := DropPrefixes(rs, now)
	want := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::1/128"), netip.MustParsePrefix("10.1.0.0/16")}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

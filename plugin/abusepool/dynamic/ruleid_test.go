package dynamic

import (
	"regexp"
	"strings"
	"testing"
)

func TestRuleID(t *testing.T) {
	for _, tc := range []struct{ trigger, key, want string }{
		{QueryRate, "192.0.2.1", "dyn-query-rate-192.0.2.1"},
		{QueryRate, "192.0.2.0/24", "dyn-query-rate-192.0.2.0-24"},
		{QueryRate, "2001:db8:0:100::/56", "dyn-query-rate-2001-db8-0-100---56"},
		{NXDomainRatio, "t-ipnet.de.", "dyn-nxdomain-ratio-t-ipnet.de."},
	} {
		if got := ruleID(tc.trigger, tc.key); got != tc.want {
			t.Errorf("ruleID(%s, %q) = %q, want %q", tc.trigger, tc.key, got, tc.want)
		}
	}
	// A byte ids cannot hold becomes '-' and the id ends in the key's hash.
	if id := ruleID(NXDomainRatio, "_dmarc.example."); !regexp.MustCompile(`^dyn-nxdomain-ratio--dmarc\.example\.-[0-9a-f]{8}$`).MatchString(id) {
		t.Errorf("ruleID of _dmarc.example. = %q", id)
	}
	// Keys differing only in a replaced byte get different ids.
	if ruleID(NXDomainRatio, "a_b.example.") == ruleID(NXDomainRatio, "a*b.example.") {
		t.Error("two keys share an id")
	}
	long := strings.Repeat("abcdefghi.", 25)
	if id := ruleID(NXDomainRatio, long); len(id) != maxID || id == ruleID(NXDomainRatio, long+"x.") {
		t.Errorf("long key: %q", id)
	}
}

var validID = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// FuzzRuleID: whatever the key, the id is one the rules package accepts, and the same every time.
func FuzzRuleID(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "2001:db8::/56", "t-ipnet.de.", `a\.b.`, "", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		for _, trigger := range []string{QueryRate, RcodeRate, NXDomainRatio, ResponseBytes} {
			id := ruleID(trigger, key)
			if !validID.MatchString(id) || id != ruleID(trigger, key) {
				t.Fatalf("ruleID(%s, %q) = %q", trigger, key, id)
			}
		}
	})
}

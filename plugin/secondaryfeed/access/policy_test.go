package access

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/notify"
)

var (
	def = Policy{
		Allow:    []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		Keys:     []string{"provider."},
		NotifyTo: []string{"192.0.2.1:53", "192.0.2.2:53"},
	}
	sqlLayer = FromMeta(xfrmeta.Parse([]xfrmeta.Row{
		{Kind: xfrmeta.KindAllowAXFRFrom, Content: "198.51.100.0/24"},
		{Kind: xfrmeta.KindAllowAXFRFrom, Content: "AUTO-NS"},
		{Kind: xfrmeta.KindTSIGAllowAXFR, Content: "customer."},
		{Kind: xfrmeta.KindAlsoNotify, Content: "198.51.100.7:5300"},
		{Kind: xfrmeta.KindAlsoNotify, Content: "192.0.2.2"},
	}))
	zoneLayer = Policy{NotifyTo: []string{"203.0.113.5:53"}, Allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
)

func TestMerge(t *testing.T) {
	m := Merge(def, sqlLayer, zoneLayer)
	wantAllow := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24")}
	if !slices.Equal(m.Allow, wantAllow) || !m.AutoNS {
		t.Errorf("Allow %v AutoNS %v", m.Allow, m.AutoNS)
	}
	if want := []string{"provider.", "customer."}; !slices.Equal(m.Keys, want) {
		t.Errorf("Keys %v, want %v", m.Keys, want)
	}
	if want := []string{"192.0.2.1:53", "192.0.2.2:53", "198.51.100.7:5300", "203.0.113.5:53"}; !slices.Equal(m.NotifyTo, want) {
		t.Errorf("NotifyTo %v, want %v", m.NotifyTo, want)
	}
	if m.NotifyKey != "customer." {
		t.Errorf("NotifyKey %q, want the SQL layer's first key", m.NotifyKey)
	}
	if explicit := Merge(def, sqlLayer, Policy{NotifyKey: "zone."}); explicit.NotifyKey != "zone." {
		t.Errorf("zone notify_key lost: %q", explicit.NotifyKey)
	}
	if len(Merge().Allow) != 0 || Merge().NotifyKey != "" {
		t.Error("empty merge is not empty")
	}
}

func TestWithNS(t *testing.T) {
	ns := []netip.Addr{netip.MustParseAddr("::ffff:203.0.113.53"), netip.MustParseAddr("2001:db8::53")}
	p := Merge(def, sqlLayer).WithNS(ns)
	if !p.Check(netip.MustParseAddr("203.0.113.53"), "", nil).Allowed() || !p.Check(ns[1], "", nil).Allowed() {
		t.Errorf("NS addresses not allowed: %v", p.Allow)
	}
	if len(def.Allow) != 1 {
		t.Error("WithNS changed its receiver's list")
	}
	if q := def.WithNS(ns); len(q.Allow) != 1 {
		t.Errorf("without AUTO-NS the NS are allowed: %v", q.Allow)
	}
}

func TestTargets(t *testing.T) {
	keys := map[string]xfrmeta.Key{
		"provider.": {Name: "provider.", Algorithm: "hmac-sha256.", Secret: "cHJvdmlkZXI="},
		"customer.": {Name: "customer.", Algorithm: "hmac-sha256.", Secret: "Y3VzdG9tZXI="},
	}
	got, errs := Targets(Keys(keys, nil), def, sqlLayer, zoneLayer)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	want := map[string]string{
		"192.0.2.1:53":      "provider.",
		"192.0.2.2:53":      "customer.", // the SQL layer lists it too: its key wins
		"198.51.100.7:5300": "customer.",
		"203.0.113.5:53":    "customer.", // the zone layer has no key: inherited
	}
	if len(got) != len(want) {
		t.Fatalf("targets %v", got)
	}
	for _, tg := range got {
		if tg.Key == nil || tg.Key.Name != want[tg.Addr] {
			t.Errorf("target %s signed with %v, want %s", tg.Addr, tg.Key, want[tg.Addr])
		}
	}
	unsigned, _ := Targets(Keys(nil, nil), Policy{NotifyTo: []string{"192.0.2.1:53"}})
	if !slices.Equal(unsigned, []notify.Target{{Addr: "192.0.2.1:53"}}) {
		t.Errorf("unsigned targets %v", unsigned)
	}
	got, errs = Targets(Keys(nil, nil), def)
	if len(got) != 0 || len(errs) != 2 || !strings.Contains(errs[0].Error(), "provider.") {
		t.Errorf("unknown key: targets %v, errors %v", got, errs)
	}
}

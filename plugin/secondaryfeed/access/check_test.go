package access

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

func TestCheck(t *testing.T) {
	keyed := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, Keys: []string{"xfr."}}
	open := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}}
	in, out := netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("198.51.100.1")
	for _, tc := range []struct {
		name   string
		p      Policy
		remote netip.Addr
		key    string
		status error
		rcode  int
		tsig   uint16
		peer   string
	}{
		{"allowed source", keyed, in, "", nil, dns.RcodeSuccess, 0, "cidr:192.0.2.0/24"},
		{"mapped source", keyed, netip.MustParseAddr("::ffff:192.0.2.9"), "", nil, dns.RcodeSuccess, 0, "cidr:192.0.2.0/24"},
		{"accepted key anywhere", keyed, out, "Xfr", nil, dns.RcodeSuccess, 0, "key:xfr."},
		{"bad signature", keyed, in, "xfr.", dns.ErrSig, dns.RcodeNotAuth, dns.RcodeBadSig, ""},
		{"unknown key", keyed, in, "other.", dns.ErrSecret, dns.RcodeNotAuth, dns.RcodeBadKey, ""},
		{"bad algorithm", keyed, out, "xfr.", dns.ErrKeyAlg, dns.RcodeNotAuth, dns.RcodeBadKey, ""},
		{"bad time", keyed, out, "xfr.", dns.ErrTime, dns.RcodeNotAuth, dns.RcodeBadTime, ""},
		{"other key, allowed source", keyed, in, "other.", nil, dns.RcodeSuccess, 0, "cidr:192.0.2.0/24"},
		{"other key elsewhere", keyed, out, "other.", nil, dns.RcodeNotAuth, dns.RcodeBadKey, ""},
		{"unsigned, key required", keyed, out, "", nil, dns.RcodeNotAuth, 0, ""},
		{"unsigned, no keys", open, out, "", nil, dns.RcodeRefused, 0, ""},
		{"v6 source", open, netip.MustParseAddr("2001:db8::53"), "", nil, dns.RcodeSuccess, 0, "cidr:2001:db8::/32"},
		{"empty policy", Policy{}, in, "", nil, dns.RcodeRefused, 0, ""},
		{"empty policy, valid key", Policy{}, in, "xfr.", nil, dns.RcodeNotAuth, dns.RcodeBadKey, ""},
	} {
		d := tc.p.Check(tc.remote, tc.key, tc.status)
		if d.Rcode != tc.rcode || d.TSIGError != tc.tsig || d.Reason == "" {
			t.Errorf("%s: got %+v, want rcode %s, TSIG error %d", tc.name, d, dns.RcodeToString[tc.rcode], tc.tsig)
		}
		if d.Peer != tc.peer {
			t.Errorf("%s: peer %q, want %q", tc.name, d.Peer, tc.peer)
		}
		if d.Allowed() != (tc.rcode == dns.RcodeSuccess) {
			t.Errorf("%s: Allowed() = %v", tc.name, d.Allowed())
		}
	}
}

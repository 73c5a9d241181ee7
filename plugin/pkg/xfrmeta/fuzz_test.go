package xfrmeta

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzParse feeds any kind and content: Parse never panics, and what it
// keeps parses again to itself.
func FuzzParse(f *testing.F) {
	for _, s := range [][2]string{
		{KindAllowAXFRFrom, "192.0.2.0/24"}, {KindAllowAXFRFrom, "::ffff:10.0.0.0/104"},
		{KindAllowAXFRFrom, "AUTO-NS"}, {KindAllowAXFRFrom, "fe80::1%eth0/64"},
		{KindAlsoNotify, "[2001:db8::1]:5300"}, {KindAlsoNotify, "192.0.2.1:99999"},
		{KindTSIGAllowAXFR, "key."}, {KindTSIGAllowAXFR, "\\046."}, {KindAXFRMasterTSIG, ".."},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, kind, content string) {
		z := Parse([]Row{{kind, content}})
		for _, p := range z.Allow {
			if again, err := ParsePrefix(p.String()); err != nil || again != p {
				t.Fatalf("prefix %v from %q parses to %v, %v", p, content, again, err)
			}
		}
		for _, a := range z.AlsoNotify {
			if again, err := ParseHostPort(a, "1"); err != nil || again != a {
				t.Fatalf("target %q from %q parses to %q, %v", a, content, again, err)
			}
		}
		for _, k := range append(z.Keys, z.MasterKey) {
			if k != "" && (k != dns.CanonicalName(k) || !dns.IsFqdn(k)) {
				t.Fatalf("key name %q from %q", k, content)
			}
		}
	})
}

// FuzzParseKey: any tsigkeys row gives a checked key or an error.
func FuzzParseKey(f *testing.F) {
	f.Add("k.", "hmac-sha256", "c2VjcmV0")
	f.Add("K", "HMAC-MD5.SIG-ALG.REG.INT.", "====")
	f.Fuzz(func(t *testing.T, name, alg, secret string) {
		k, err := ParseKey(name, alg, secret)
		if err == nil && (k.Name == "" || k.Algorithm == "" || k.Secret == "") {
			t.Fatalf("ParseKey(%q, %q, %q) = %+v without error", name, alg, secret, k)
		}
	})
}

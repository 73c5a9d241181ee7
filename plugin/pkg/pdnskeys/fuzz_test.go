package pdnskeys

import (
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzParseKey: any content gives a usable key or an error naming the row,
// never a panic; a key's DNSKEY verifies what its signer signs.
func FuzzParseKey(f *testing.F) {
	for _, alg := range []uint8{dns.RSASHA256, dns.ECDSAP256SHA256, dns.ECDSAP384SHA384, dns.ED25519} {
		c := genKey(f, alg, 257).content
		f.Add(257, c)
		f.Add(256, strings.ReplaceAll(c, "\n", "\r\n"))
		f.Add(256, c[:len(c)/2])
	}
	f.Add(256, "Algorithm: 13\nPrivateKey: AQ==\n")
	f.Add(256, "Algorithm: 15\nPrivateKey: AA==\n")
	f.Add(256, "Algorithm: 8\nModulus: AQAB\n")
	f.Add(257, ":\n:::\nalgorithm:99999999999999999999\n")
	f.Fuzz(func(t *testing.T, flags int, content string) {
		k, err := ParseKey(origin, Row{ID: 9, Flags: flags, Content: content})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "cryptokeys row 9: ") {
				t.Fatalf("error %q does not name the row", err)
			}
			return
		}
		if k.DNSKEY == nil || k.Signer == nil || k.DNSKEY.Hdr.Name != origin || int(k.DNSKEY.Flags) != flags {
			t.Fatalf("key %+v", k)
		}
		signVerify(t, k)
	})
}

// FuzzParseMeta: any kind and value set a kind to a value PowerDNS could use
// or leave it unset with an error, never a panic.
func FuzzParseMeta(f *testing.F) {
	for _, s := range [][2]string{
		{"NSEC3PARAM", "1 0 0 -"}, {"NSEC3PARAM", "1 1 500 abcdef"}, {"NSEC3PARAM", "9 0 1 zz"},
		{"NSEC3NARROW", "1"}, {"PRESIGNED", "1"}, {"SOA-EDIT", "inception-epoch"}, {"SOA-EDIT", "x"},
		{"PUBLISH-CDS", "1,2 4"}, {"PUBLISH-CDS", "0"}, {"PUBLISH-CDS", "300"}, {"PUBLISH-CDNSKEY", "0"},
		{"ALSO-NOTIFY", "192.0.2.1"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, kind, content string) {
		m, errs := ParseMeta(origin, []MetaRow{{kind, content}})
		for _, e := range errs {
			if !strings.HasPrefix(e.Error(), "domainmetadata ") {
				t.Fatalf("error %q does not name the kind", e)
			}
		}
		if p := m.NSEC3; p != nil {
			if p.Hash != dns.SHA1 || p.Iterations > MaxNSEC3Iterations || int(p.SaltLength)*2 != len(p.Salt) {
				t.Fatalf("NSEC3PARAM %v", p)
			}
			buf := make([]byte, 1024)
			if _, err := dns.PackRR(p, buf, 0, nil, false); err != nil {
				t.Fatalf("NSEC3PARAM %v: %v", p, err)
			}
		}
		if m.SOAEdit != "" && !soaEdits[m.SOAEdit] {
			t.Fatalf("SOA-EDIT %q", m.SOAEdit)
		}
		if d := m.PublishCDS; d != nil && !slices.Equal(d, []uint8{0}) {
			for _, x := range d {
				if x != dns.SHA1 && x != dns.SHA256 && x != dns.SHA384 {
					t.Fatalf("PUBLISH-CDS %v", d)
				}
			}
		}
		if m.PublishCDS != nil && len(m.PublishCDS) == 0 {
			t.Fatal("PUBLISH-CDS set and empty")
		}
	})
}

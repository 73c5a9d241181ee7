package pdnskeys

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// row is a cryptokeys row holding a generated key of alg with flags.
func row(t *testing.T, id int64, alg uint8, flags int, active, published bool) Row {
	return Row{ID: id, Flags: flags, Active: active, Published: published, Content: genKeyN(t, alg, uint16(flags), int(id)).content}
}

func ids(keys []Key) []int64 {
	out := []int64{}
	for _, k := range keys {
		out = append(out, k.ID)
	}
	return out
}

func rrIDs(t *testing.T, kr *Keyring, rrs []dns.RR) []int64 {
	t.Helper()
	out := []int64{}
	for _, rr := range rrs {
		var k *dns.DNSKEY
		switch x := rr.(type) {
		case *dns.DNSKEY:
			k = x
		case *dns.CDNSKEY:
			k = &x.DNSKEY
		default:
			t.Fatalf("%v is not a DNSKEY", rr)
		}
		for _, key := range kr.Keys {
			if key.DNSKEY.PublicKey == k.PublicKey && key.DNSKEY.Flags == k.Flags {
				out = append(out, key.ID)
			}
		}
	}
	return out
}

const (
	p256 = dns.ECDSAP256SHA256
	ed   = dns.ED25519
)

// TestSigners follows getKeys' roles and getRRSIGsForRRSET's choice of keys.
func TestSigners(t *testing.T) {
	type want struct{ dnskey, cds, a []int64 }
	for _, tc := range []struct {
		name  string
		rows  []Row
		roles []string
		want  want
	}{
		{"ksk+zsk", []Row{row(t, 1, p256, 257, true, true), row(t, 2, p256, 256, true, true)},
			[]string{RoleKSK, RoleZSK}, want{[]int64{1}, []int64{1, 2}, []int64{2}}},
		{"ksk only is a csk", []Row{row(t, 1, p256, 257, true, true)},
			[]string{RoleCSK}, want{[]int64{1}, []int64{1}, []int64{1}}},
		{"zsk only is a csk", []Row{row(t, 2, p256, 256, true, true)},
			[]string{RoleCSK}, want{[]int64{2}, []int64{2}, []int64{2}}},
		{"inactive does not sign", []Row{row(t, 1, p256, 257, true, true), row(t, 2, p256, 256, true, true), row(t, 3, ed, 256, false, true)},
			[]string{RoleKSK, RoleZSK, RoleCSK}, want{[]int64{1}, []int64{1, 2}, []int64{2}}},
		{"unpublished signs", []Row{row(t, 1, p256, 257, true, true), row(t, 2, p256, 256, true, false)},
			[]string{RoleKSK, RoleZSK}, want{[]int64{1}, []int64{1, 2}, []int64{2}}},
		// The split is per algorithm: an ED25519 KSK beside an ECDSA ZSK
		// makes two CSKs, both signing everything.
		{"split per algorithm", []Row{row(t, 1, ed, 257, true, true), row(t, 2, p256, 256, true, true)},
			[]string{RoleCSK, RoleCSK}, want{[]int64{1, 2}, []int64{1, 2}, []int64{1, 2}}},
		// An inactive ZSK beside an active KSK leaves the KSK a CSK.
		{"inactive zsk", []Row{row(t, 1, p256, 257, true, true), row(t, 2, p256, 256, false, true)},
			[]string{RoleCSK, RoleCSK}, want{[]int64{1}, []int64{1}, []int64{1}}},
	} {
		kr, errs := New("Example.ORG", tc.rows, nil)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		var roles []string
		for _, k := range kr.Keys {
			roles = append(roles, kr.Role(k))
		}
		if !slices.Equal(roles, tc.roles) {
			t.Errorf("%s: roles %v, want %v", tc.name, roles, tc.roles)
		}
		got := want{ids(kr.Signers(dns.TypeDNSKEY)), ids(kr.Signers(dns.TypeCDS)), ids(kr.Signers(dns.TypeA))}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: signers (DNSKEY, CDS, A) %v, want %v", tc.name, got, tc.want)
		}
		if c := ids(kr.Signers(dns.TypeCDNSKEY)); !slices.Equal(c, tc.want.cds) {
			t.Errorf("%s: CDNSKEY signers %v, want %v", tc.name, c, tc.want.cds)
		}
	}
}

func TestNewSkipsBadRows(t *testing.T) {
	rows := []Row{
		row(t, 3, p256, 256, true, true),
		{ID: 2, Flags: 257, Active: true, Published: true, Content: "Algorithm: 16\nPrivateKey: AA==\n"},
		row(t, 1, p256, 257, true, true),
	}
	kr, errs := New("example.org", rows, []MetaRow{{"SOA-EDIT", "bogus"}, {"PRESIGNED", "0"}})
	if kr.Origin != origin || !slices.Equal(ids(kr.Keys), []int64{1, 3}) {
		t.Errorf("origin %q keys %v, want %q [1 3]", kr.Origin, ids(kr.Keys), origin)
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "row 2") || !strings.Contains(errs[1].Error(), "SOA-EDIT") {
		t.Errorf("errors %v, want row 2's and SOA-EDIT's", errs)
	}
	if kr.Keys[0].DNSKEY.Hdr.Name != origin {
		t.Errorf("owner %q", kr.Keys[0].DNSKEY.Hdr.Name)
	}
}

func TestSecured(t *testing.T) {
	active := row(t, 1, ed, 257, true, true)
	inactive := row(t, 1, ed, 257, false, true)
	for _, tc := range []struct {
		name string
		rows []Row
		meta []MetaRow
		want bool
	}{
		{"no keys", nil, nil, false},
		{"inactive", []Row{inactive}, nil, false},
		{"active", []Row{active}, nil, true},
		{"presigned", []Row{active}, []MetaRow{{"PRESIGNED", "1"}}, false},
	} {
		kr, _ := New(origin, tc.rows, tc.meta)
		if kr.Secured() != tc.want {
			t.Errorf("%s: Secured %v", tc.name, !tc.want)
		}
	}
}

func TestDNSKEYs(t *testing.T) {
	kr, _ := New(origin, []Row{row(t, 1, p256, 257, true, true), row(t, 2, p256, 256, true, false), row(t, 3, ed, 256, false, true)}, nil)
	got := kr.DNSKEYs(3600)
	if !slices.Equal(rrIDs(t, kr, got), []int64{1, 3}) {
		t.Errorf("DNSKEYs: %v, want keys 1 and 3", got)
	}
	for _, rr := range got {
		if rr.Header().Ttl != 3600 || rr.Header().Name != origin {
			t.Errorf("%v: want TTL 3600 at %s", rr, origin)
		}
	}
	if kr.Keys[0].DNSKEY.Hdr.Ttl != 0 {
		t.Error("DNSKEYs changed the key's own DNSKEY")
	}
}

func TestCDSAndCDNSKEY(t *testing.T) {
	rows := []Row{
		row(t, 1, p256, 257, true, true),  // KSK: published
		row(t, 2, p256, 256, true, true),  // ZSK: never
		row(t, 3, p256, 257, false, true), // inactive KSK of a split algorithm: published
		row(t, 4, ed, 257, true, false),   // unpublished CSK: not
		row(t, 5, ed, 257, false, true),   // inactive CSK: published
	}
	kr, errs := New(origin, rows, []MetaRow{{"PUBLISH-CDS", "2,4"}, {"PUBLISH-CDNSKEY", "1"}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	cds := kr.CDS(60)
	var got []string
	for _, rr := range cds {
		c := rr.(*dns.CDS)
		if c.Hdr.Ttl != 60 || c.Hdr.Name != origin {
			t.Errorf("%v: want TTL 60 at %s", c, origin)
		}
		ds := c.DS
		ds.Hdr.Rrtype = dns.TypeDS
		got = append(got, ds.String())
	}
	var want []string
	for _, k := range []Key{kr.Keys[0], kr.Keys[2], kr.Keys[4]} {
		for _, d := range []uint8{dns.SHA256, dns.SHA384} {
			want = append(want, withTTL(k.DNSKEY, 60).ToDS(d).String())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("CDS:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c := rrIDs(t, kr, kr.CDNSKEY(60)); !slices.Equal(c, []int64{1, 3, 5}) {
		t.Errorf("CDNSKEY of keys %v, want 1 3 5", c)
	}

	none, _ := New(origin, rows, nil)
	if none.CDS(60) != nil || none.CDNSKEY(60) != nil {
		t.Error("CDS or CDNSKEY without PUBLISH-CDS/CDNSKEY")
	}

	del, _ := New(origin, rows, []MetaRow{{"PUBLISH-CDS", "0"}, {"PUBLISH-CDNSKEY", "0"}})
	for _, tc := range []struct {
		rrs  []dns.RR
		want string
	}{
		{del.CDS(60), origin + "\t60\tIN\tCDS\t0 0 0 00"},
		{del.CDNSKEY(60), origin + "\t60\tIN\tCDNSKEY\t0 3 0 AA=="},
	} {
		if len(tc.rrs) != 1 || tc.rrs[0].String() != tc.want {
			t.Errorf("delete: %v, want %s", tc.rrs, tc.want)
		}
		// The RFC 8078 section 4 delete records pack as such.
		buf := make([]byte, 512)
		if _, err := dns.PackRR(tc.rrs[0], buf, 0, nil, false); err != nil {
			t.Errorf("%v: %v", tc.rrs[0], err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	for _, alg := range []uint8{dns.RSASHA256, p256, ed} {
		rows := []Row{
			{ID: 1, Flags: 257, Active: true, Published: true, Content: genKeyN(b, alg, 257, 1).content},
			{ID: 2, Flags: 256, Active: true, Published: true, Content: genKeyN(b, alg, 256, 2).content},
		}
		b.Run(dns.AlgorithmToString[alg], func(b *testing.B) {
			for b.Loop() {
				if _, errs := New(origin, rows, nil); errs != nil {
					b.Fatal(errs)
				}
			}
		})
	}
}

func BenchmarkSigners(b *testing.B) {
	kr, _ := New(origin, []Row{
		{ID: 1, Flags: 257, Active: true, Published: true, Content: genKeyN(b, p256, 257, 1).content},
		{ID: 2, Flags: 256, Active: true, Published: true, Content: genKeyN(b, p256, 256, 2).content},
	}, nil)
	for b.Loop() {
		if len(kr.Signers(dns.TypeA)) != 1 {
			b.Fatal("want one signer")
		}
	}
}

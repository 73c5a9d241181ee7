package sqlsign

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
)

// world is the test setup: four signed zones (one a child of another) and
// the data plugin's canned answers.
type world struct {
	s                       *SQLSign
	src                     *fakeSource
	org, sub, nods, rsa, ed *fakeZone
	data                    canned
}

func newWorld(t testing.TB) *world {
	yes := true
	w := &world{
		org:  &fakeZone{origin: "example.org.", kr: keyring(t, "example.org.", dns.ECDSAP256SHA256, false), wild: map[string]string{"foo.wild.example.org.": "*.wild.example.org."}},
		sub:  &fakeZone{origin: "sub.example.org.", kr: keyring(t, "sub.example.org.", dns.ED25519, false)},
		nods: &fakeZone{origin: "nods.example.org.", kr: keyring(t, "nods.example.org.", dns.ED25519, true)},
		rsa:  &fakeZone{origin: "rsa.test.", kr: keyring(t, "rsa.test.", dns.RSASHA256, true)},
		ed:   &fakeZone{origin: "ed.test.", kr: keyring(t, "ed.test.", dns.ED25519, false)},
	}
	w.org.kr.Meta = pdnskeys.Meta{PublishCDS: []uint8{dns.SHA256}, PublishCDNSKEY: &yes}
	w.rsa.kr.Meta = pdnskeys.Meta{SOAEdit: "INCEPTION-EPOCH"}
	w.src = newFakeSource(w.org, w.sub, w.nods, w.rsa, w.ed)
	w.data = cannedAnswers(t)
	w.s = New([]string{"."}, 1000, w.src)
	w.s.Next = w.data.handler()
	w.s.now = func() time.Time { return fixedNow }
	return w
}

func cannedAnswers(t testing.TB) canned {
	orgSOA := "example.org. 3600 IN SOA ns1.example.org. admin.example.org. 7 3600 600 86400 300"
	return canned{
		"www.example.org./A": msg(0,
			rrs(t, "www.example.org. 60 IN A 192.0.2.1", "www.example.org. 60 IN A 192.0.2.2"),
			rrs(t, "example.org. 3600 IN NS ns1.example.org."),
			rrs(t, "ns1.example.org. 3600 IN A 192.0.2.53")),
		"nope.example.org./A": msg(dns.RcodeNameError, nil,
			rrs(t, orgSOA,
				"example.org. 300 IN NSEC a.example.org. A NS SOA RRSIG NSEC DNSKEY",
				"mid.example.org. 300 IN NSEC z.example.org. A RRSIG NSEC"), nil),
		"foo.wild.example.org./A": msg(0,
			rrs(t, "foo.wild.example.org. 60 IN A 192.0.2.9"),
			rrs(t, "bar.wild.example.org. 300 IN NSEC goo.wild.example.org. A RRSIG NSEC"), nil),
		"host.deleg.example.org./A": msg(0, nil,
			rrs(t, "deleg.example.org. 3600 IN NS ns.deleg.example.org.",
				"deleg.example.org. 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"),
			rrs(t, "ns.deleg.example.org. 3600 IN A 192.0.2.77")),
		"sub.example.org./DS": msg(0,
			rrs(t, "sub.example.org. 3600 IN DS 54321 15 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"), nil, nil),
		"nods.example.org./DS": msg(0, nil,
			rrs(t, orgSOA, "nods.example.org. 300 IN NSEC o.example.org. NS RRSIG NSEC"), nil),
		"sub.example.org./NSEC": msg(0,
			rrs(t, "sub.example.org. 300 IN NSEC www.sub.example.org. NS SOA RRSIG NSEC DNSKEY"), nil, nil),
		"ext.example.org./A": msg(0,
			rrs(t, "ext.example.org. 300 IN CNAME target.example.net.", "target.example.net. 60 IN A 198.51.100.1"), nil, nil),
		"rsa.test./SOA": msg(0,
			rrs(t, "rsa.test. 3600 IN SOA ns.rsa.test. admin.rsa.test. 1 3600 600 86400 120"), nil, nil),
		"rsa.test./CDS": msg(0, nil,
			rrs(t, "rsa.test. 120 IN SOA ns.rsa.test. admin.rsa.test. 1 3600 600 86400 120"), nil),
		"example.org./DNSKEY":  msg(0, nil, rrs(t, orgSOA), nil),
		"example.org./CDS":     msg(0, nil, rrs(t, orgSOA), nil),
		"example.org./CDNSKEY": msg(0, nil, rrs(t, orgSOA), nil),
		"www.ed.test./TXT": msg(0,
			rrs(t, `www.ed.test. 60 IN TXT "hello"`), nil, nil),
		"nope.ed.test./A": msg(dns.RcodeNameError, nil,
			rrs(t, "ed.test. 300 IN SOA ns.ed.test. admin.ed.test. 1 3600 600 86400 300",
				"b4um86eghhds6nea196smvmlo4ors995.ed.test. 300 IN NSEC3 1 0 0 - gjeqe526plbf1g8mklp59enfd789njgi A NS SOA RRSIG DNSKEY NSEC3PARAM",
				"35mthgpgcu1qg68fab165klnsnk3dpvl.ed.test. 300 IN NSEC3 1 0 0 - b4um86eghhds6nea196smvmlo4ors995 A RRSIG"), nil),
		"www.unsigned.test./A": msg(0,
			rrs(t, "www.unsigned.test. 60 IN A 203.0.113.1"),
			rrs(t, "unsigned.test. 60 IN NS ns.unsigned.test."), nil),
	}
}

// tagOf returns the key tag of the zone's KSK (ksk) or ZSK.
func tagOf(z *fakeZone, ksk bool) uint16 {
	for _, k := range z.kr.Keys {
		if k.KSK() == ksk {
			return k.DNSKEY.KeyTag()
		}
	}
	panic("no such key in " + z.origin)
}

// verifySection checks every RRSIG of sec against the DNSKEYs of src's
// zones (signature, validity at fixedNow, TTLs) and returns, by
// "owner/TYPE" of the covered RRset, the tags of the keys that signed it.
func verifySection(t *testing.T, src *fakeSource, sec []dns.RR) map[string][]uint16 {
	t.Helper()
	signed := map[string][]uint16{}
	for _, rr := range sec {
		sig, ok := rr.(*dns.RRSIG)
		if !ok {
			continue
		}
		var set []dns.RR
		for _, x := range sec {
			if x.Header().Rrtype == sig.TypeCovered && strings.EqualFold(x.Header().Name, sig.Hdr.Name) {
				set = append(set, x)
			}
		}
		id := strings.ToLower(sig.Hdr.Name) + "/" + dns.TypeToString[sig.TypeCovered]
		if len(set) == 0 {
			t.Errorf("RRSIG %s covers nothing in its section", id)
			continue
		}
		key := findKey(src, sig)
		if key == nil {
			t.Errorf("RRSIG %s: no key %s/%d", id, sig.SignerName, sig.KeyTag)
			continue
		}
		if err := sig.Verify(key, set); err != nil {
			t.Errorf("RRSIG %s by %d: %v", id, sig.KeyTag, err)
		}
		if !sig.ValidityPeriod(fixedNow) {
			t.Errorf("RRSIG %s not valid at %s", id, fixedNow)
		}
		if sig.Hdr.Ttl != set[0].Header().Ttl || sig.OrigTtl != set[0].Header().Ttl {
			t.Errorf("RRSIG %s: TTL %d, original TTL %d, RRset TTL %d", id, sig.Hdr.Ttl, sig.OrigTtl, set[0].Header().Ttl)
		}
		if want := wantLabels(src, sig); sig.Labels != want {
			t.Errorf("RRSIG %s: labels %d, want %d", id, sig.Labels, want)
		}
		signed[id] = append(signed[id], sig.KeyTag)
	}
	return signed
}

// wantLabels is the Labels field of sig: its owner's label count, or for
// an RRset expanded from a wildcard the wildcard's without the "*".
func wantLabels(src *fakeSource, sig *dns.RRSIG) uint8 {
	z := src.SigningZone(context.Background(), sig.Hdr.Name)
	if z != nil && sig.TypeCovered != dns.TypeNSEC && z.Wildcard(sig.Hdr.Name) != "" {
		return uint8(dns.CountLabel(z.Wildcard(sig.Hdr.Name)) - 1)
	}
	return uint8(dns.CountLabel(sig.Hdr.Name))
}

func findKey(src *fakeSource, sig *dns.RRSIG) *dns.DNSKEY {
	for _, z := range src.zones {
		if !strings.EqualFold(z.origin, sig.SignerName) {
			continue
		}
		for _, k := range z.kr.Keys {
			if k.DNSKEY.KeyTag() == sig.KeyTag && k.DNSKEY.Algorithm == sig.Algorithm {
				return k.DNSKEY
			}
		}
	}
	return nil
}

func TestSignedAnswers(t *testing.T) {
	w := newWorld(t)
	orgZ, subZ := []uint16{tagOf(w.org, false)}, []uint16{tagOf(w.sub, false)}
	edZ := []uint16{tagOf(w.ed, false)}
	tests := []struct {
		name   string
		qtype  uint16
		rcode  int
		answer map[string][]uint16 // signed RRsets and their signers' tags
		ns     map[string][]uint16
	}{
		{"www.example.org.", dns.TypeA, 0,
			map[string][]uint16{"www.example.org./A": orgZ},
			map[string][]uint16{"example.org./NS": orgZ}},
		{"nope.example.org.", dns.TypeA, dns.RcodeNameError, nil,
			map[string][]uint16{"example.org./SOA": orgZ, "example.org./NSEC": orgZ, "mid.example.org./NSEC": orgZ}},
		{"foo.wild.example.org.", dns.TypeA, 0,
			map[string][]uint16{"foo.wild.example.org./A": orgZ},
			map[string][]uint16{"bar.wild.example.org./NSEC": orgZ}},
		// A referral: the DS is signed, the child's NS is not.
		{"host.deleg.example.org.", dns.TypeA, 0, nil,
			map[string][]uint16{"deleg.example.org./DS": orgZ}},
		// DS at the apex of a served child: the parent's keys sign it.
		{"sub.example.org.", dns.TypeDS, 0,
			map[string][]uint16{"sub.example.org./DS": orgZ}, nil},
		// The delegation NSEC (no SOA bit) at a served child: the parent's.
		{"nods.example.org.", dns.TypeDS, 0, nil,
			map[string][]uint16{"example.org./SOA": orgZ, "nods.example.org./NSEC": orgZ}},
		// The child's apex NSEC (SOA bit): the child's.
		{"sub.example.org.", dns.TypeNSEC, 0,
			map[string][]uint16{"sub.example.org./NSEC": subZ}, nil},
		// The CNAME is ours, its external target's A is not.
		{"ext.example.org.", dns.TypeA, 0,
			map[string][]uint16{"ext.example.org./CNAME": orgZ}, nil},
		{"www.ed.test.", dns.TypeTXT, 0,
			map[string][]uint16{"www.ed.test./TXT": edZ}, nil},
		{"nope.ed.test.", dns.TypeA, dns.RcodeNameError, nil, map[string][]uint16{"ed.test./SOA": edZ,
			"b4um86eghhds6nea196smvmlo4ors995.ed.test./NSEC3": edZ, "35mthgpgcu1qg68fab165klnsnk3dpvl.ed.test./NSEC3": edZ}},
		{"www.unsigned.test.", dns.TypeA, 0, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name+dns.TypeToString[tc.qtype], func(t *testing.T) {
			m := ask(t, w.s, tc.name, tc.qtype, true)
			if m.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[m.Rcode], dns.RcodeToString[tc.rcode])
			}
			checkSigned(t, "answer", verifySection(t, w.src, m.Answer), tc.answer)
			checkSigned(t, "authority", verifySection(t, w.src, m.Ns), tc.ns)
			if got := verifySection(t, w.src, m.Extra); len(got) != 0 {
				t.Errorf("additional section signed: %v", got)
			}
			// Every record the data plugin gave is still there, unchanged.
			data := w.data[tc.name+"/"+dns.TypeToString[tc.qtype]]
			for sec, want := range map[string][]dns.RR{"answer": data.Answer, "authority": data.Ns, "additional": data.Extra} {
				got := map[string][]dns.RR{"answer": m.Answer, "authority": m.Ns, "additional": m.Extra}[sec]
				if n := len(withoutSigs(got)); n != len(want) {
					t.Errorf("%s: %d records besides RRSIGs, want %d", sec, n, len(want))
				}
			}
		})
	}
}

func checkSigned(t *testing.T, sec string, got, want map[string][]uint16) {
	t.Helper()
	if want == nil {
		want = map[string][]uint16{}
	}
	if !maps.EqualFunc(got, want, slices.Equal[[]uint16]) {
		t.Errorf("%s: signed %v, want %v", sec, got, want)
	}
}

func withoutSigs(rrs []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeRRSIG {
			out = append(out, rr)
		}
	}
	return out
}

func TestWildcardLabels(t *testing.T) {
	w := newWorld(t)
	m := ask(t, w.s, "foo.wild.example.org.", dns.TypeA, true)
	var sig *dns.RRSIG
	for _, rr := range m.Answer {
		if s, ok := rr.(*dns.RRSIG); ok {
			sig = s
		}
	}
	if sig == nil {
		t.Fatal("no RRSIG in the answer")
	}
	// *.wild.example.org. has 4 labels; the "*" does not count (RFC 4034 3.1.3).
	if sig.Labels != 3 || sig.Hdr.Name != "foo.wild.example.org." {
		t.Fatalf("RRSIG owner %s labels %d, want foo.wild.example.org. and 3", sig.Hdr.Name, sig.Labels)
	}
	// It verifies over the wildcard-owned RRset too, as a validator rebuilds it.
	wc := rrtypes.WithOwner(withoutSigs(m.Answer), "*.wild.example.org.")
	wsig := *sig
	wsig.Hdr.Name = "*.wild.example.org."
	if err := wsig.Verify(findKey(w.src, sig), wc); err != nil {
		t.Fatalf("against the wildcard owner: %v", err)
	}
}

func TestNoDO(t *testing.T) {
	w := newWorld(t)
	for _, q := range []string{"www.example.org.", "nope.example.org.", "foo.wild.example.org."} {
		m := ask(t, w.s, q, dns.TypeA, false)
		for _, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
			for _, rr := range sec {
				if rr.Header().Rrtype == dns.TypeRRSIG {
					t.Errorf("%s without DO: %s", q, rr)
				}
			}
		}
	}
}

func TestSOAEdit(t *testing.T) {
	w := newWorld(t)
	inception := uint32(fixedNow.Unix() - fixedNow.Unix()%(7*86400))
	for _, do := range []bool{false, true} {
		m := ask(t, w.s, "rsa.test.", dns.TypeSOA, do)
		soa, ok := m.Answer[0].(*dns.SOA)
		if !ok || soa.Serial != inception {
			t.Fatalf("DO %v: answer %v, want the SOA with serial %d (INCEPTION-EPOCH)", do, m.Answer, inception)
		}
		signed := verifySection(t, w.src, m.Answer)
		if want := map[string][]uint16{"rsa.test./SOA": {tagOf(w.rsa, true)}}; do {
			checkSigned(t, "answer", signed, want)
		} else {
			checkSigned(t, "answer", signed, nil)
		}
	}
	// The data plugin's record is not changed.
	if s := w.data["rsa.test./SOA"].Answer[0].(*dns.SOA).Serial; s != 1 {
		t.Fatalf("the data plugin's SOA was edited in place: serial %d", s)
	}
	// In a negative answer's authority section too.
	m := ask(t, w.s, "rsa.test.", dns.TypeCDS, true)
	if soa := m.Ns[0].(*dns.SOA); soa.Serial != inception {
		t.Fatalf("NODATA SOA serial %d, want %d", soa.Serial, inception)
	}
}

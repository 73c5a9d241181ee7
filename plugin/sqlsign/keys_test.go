package sqlsign

import (
	"crypto"
	"errors"
	"io"
	"testing"

	"github.com/miekg/dns"
)

func TestKeyAnswers(t *testing.T) {
	w := newWorld(t)
	ksk := tagOf(w.org, true)
	for _, tc := range []struct {
		qtype uint16
		n     int // records from the keyring
	}{
		{dns.TypeDNSKEY, 2}, // KSK and ZSK, both published
		{dns.TypeCDS, 1},    // the KSK, PUBLISH-CDS 2
		{dns.TypeCDNSKEY, 1},
	} {
		for _, do := range []bool{false, true} {
			name := dns.TypeToString[tc.qtype]
			m := ask(t, w.s, "example.org.", tc.qtype, do)
			if m.Rcode != dns.RcodeSuccess || !m.Authoritative || len(m.Ns) != 0 {
				t.Errorf("%s: rcode %s AA %v authority %v", name, dns.RcodeToString[m.Rcode], m.Authoritative, m.Ns)
			}
			recs := withoutSigs(m.Answer)
			if len(recs) != tc.n {
				t.Fatalf("%s: answer %v, want %d records", name, m.Answer, tc.n)
			}
			for _, rr := range recs {
				h := rr.Header()
				// TTL: the SOA's MINIMUM (300).
				if h.Rrtype != tc.qtype || h.Name != "example.org." || h.Ttl != 300 {
					t.Errorf("%s: record %s", name, rr)
				}
			}
			var want map[string][]uint16
			if do {
				// DNSKEY by the KSK only; CDS and CDNSKEY by the ZSK too,
				// as PowerDNS signs them (getRRSIGsForRRSET).
				want = map[string][]uint16{"example.org./" + name: {ksk}}
				if tc.qtype != dns.TypeDNSKEY {
					want["example.org./"+name] = []uint16{ksk, tagOf(w.org, false)}
				}
			}
			checkSigned(t, name, verifySection(t, w.src, m.Answer), want)
		}
	}
	// The DNSKEY answer holds the zone's keys.
	m := ask(t, w.s, "example.org.", dns.TypeDNSKEY, false)
	for i, rr := range m.Answer {
		if k := rr.(*dns.DNSKEY); k.KeyTag() != w.org.kr.Keys[i].DNSKEY.KeyTag() {
			t.Errorf("DNSKEY %d: tag %d, want %d", i, k.KeyTag(), w.org.kr.Keys[i].DNSKEY.KeyTag())
		}
	}
}

// A zone that publishes no CDS gets the data plugin's NODATA, signed.
func TestNoCDS(t *testing.T) {
	w := newWorld(t)
	m := ask(t, w.s, "rsa.test.", dns.TypeCDS, true)
	if m.Rcode != dns.RcodeSuccess || len(m.Answer) != 0 || len(withoutSigs(m.Ns)) != 1 {
		t.Fatalf("want the NODATA, got %v", m)
	}
	checkSigned(t, "authority", verifySection(t, w.src, m.Ns), map[string][]uint16{"rsa.test./SOA": {tagOf(w.rsa, true)}})
}

// A DNSKEY query below the apex is not the keyring's.
func TestDNSKEYBelowApex(t *testing.T) {
	w := newWorld(t)
	m := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	for _, rr := range m.Answer {
		if rr.Header().Rrtype == dns.TypeDNSKEY {
			t.Fatalf("DNSKEY in %v", m)
		}
	}
	w.data["www.example.org./DNSKEY"] = msg(0, nil, w.data["example.org./DNSKEY"].Ns, nil)
	m = ask(t, w.s, "www.example.org.", dns.TypeDNSKEY, true)
	if len(m.Answer) != 0 {
		t.Fatalf("DNSKEY below the apex answered: %v", m.Answer)
	}
}

type failingSigner struct{ crypto.Signer }

func (failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("no HSM here")
}

// A key that cannot sign leaves its RRSIG out and is counted; the others sign.
func TestSigningFailure(t *testing.T) {
	w := newWorld(t)
	zsk := genKey(t, "example.org.", dns.ED25519, false, 3)
	zsk.Signer = failingSigner{zsk.Signer}
	w.org.kr.Keys = append(w.org.kr.Keys, zsk)
	before := counter(t, signingFailures.WithLabelValues(""))
	m := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	if got := counter(t, signingFailures.WithLabelValues("")) - before; got != 2 {
		t.Fatalf("%v failures counted, want 2 (A and NS)", got)
	}
	checkSigned(t, "answer", verifySection(t, w.src, m.Answer), map[string][]uint16{"www.example.org./A": {tagOf(w.org, false)}})
}

package sqlsign

import (
	"context"
	"crypto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/hostdns/hostdns/plugin/pkg/signsource"
)

// fakeZone is an in-memory signsource.Zone.
type fakeZone struct {
	origin string
	kr     *pdnskeys.Keyring
	wild   map[string]string // expanded name -> wildcard owner
}

func (z *fakeZone) Origin() string              { return z.origin }
func (z *fakeZone) Keys() *pdnskeys.Keyring     { return z.kr }
func (z *fakeZone) Wildcard(name string) string { return z.wild[strings.ToLower(name)] }

// fakeSource answers SigningZone with the longest matching zone, walking
// up the labels of name through a map, as a data plugin's index would.
type fakeSource struct {
	zones  []*fakeZone
	byName map[string]*fakeZone
}

func (f *fakeSource) SigningZone(_ context.Context, name string) signsource.Zone {
	name = strings.ToLower(name)
	for off, end := 0, false; !end; off, end = dns.NextLabel(name, off) {
		if z, ok := f.byName[name[off:]]; ok {
			return z
		}
	}
	return nil
}

func newFakeSource(zones ...*fakeZone) *fakeSource {
	f := &fakeSource{zones: zones, byName: map[string]*fakeZone{}}
	for _, z := range zones {
		f.byName[z.origin] = z
	}
	return f
}

// Keys are generated once per test binary: RSA generation is slow.
var (
	keyMu    sync.Mutex
	keyCache = map[string]pdnskeys.Key{}
)

// genKey returns a key of alg for origin, the same one for the same arguments.
func genKey(t testing.TB, origin string, alg uint8, ksk bool, id int64) pdnskeys.Key {
	t.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	name := origin + dns.AlgorithmToString[alg] + map[bool]string{true: "ksk", false: "zsk"}[ksk]
	if k, ok := keyCache[name]; ok {
		k.ID = id
		return k
	}
	flags := uint16(dns.ZONE)
	if ksk {
		flags |= dns.SEP
	}
	dk := &dns.DNSKEY{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: flags, Protocol: 3, Algorithm: alg}
	bits := map[uint8]int{dns.RSASHA256: 2048, dns.ECDSAP256SHA256: 256, dns.ED25519: 256}[alg]
	priv, err := dk.Generate(bits)
	if err != nil {
		t.Fatal(err)
	}
	k := pdnskeys.Key{ID: id, DNSKEY: dk, Tag: dk.KeyTag(), Signer: priv.(crypto.Signer), Active: true, Published: true}
	keyCache[name] = k
	return k
}

// keyring returns a keyring for origin: a KSK and a ZSK of alg, or one CSK.
func keyring(t testing.TB, origin string, alg uint8, csk bool) *pdnskeys.Keyring {
	kr := &pdnskeys.Keyring{Origin: origin}
	kr.Keys = append(kr.Keys, genKey(t, origin, alg, true, 1))
	if !csk {
		kr.Keys = append(kr.Keys, genKey(t, origin, alg, false, 2))
	}
	return kr
}

// canned is a Next handler that answers from a table keyed by
// "qname/qtype", as the data plugin would, and counts its calls.
type canned map[string]*dns.Msg

func (c canned) handler() plugin.Handler {
	return plugin.HandlerFunc(func(_ context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
		q := r.Question[0]
		m, ok := c[strings.ToLower(q.Name)+"/"+dns.TypeToString[q.Qtype]]
		if !ok {
			return dns.RcodeRefused, nil
		}
		out := m.Copy()
		// Share the records, as a data plugin holding them in memory may:
		// the signer must not write to them.
		out.Answer, out.Ns, out.Extra = m.Answer, m.Ns, m.Extra
		out.SetRcode(r, m.Rcode)
		out.Authoritative = true
		w.WriteMsg(out)
		return dns.RcodeSuccess, nil
	})
}

func rrs(t testing.TB, lines ...string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		out = append(out, rr)
	}
	return out
}

func msg(rcode int, answer, ns, extra []dns.RR) *dns.Msg {
	return &dns.Msg{MsgHdr: dns.MsgHdr{Rcode: rcode}, Answer: answer, Ns: ns, Extra: extra}
}

// ask sends qname/qtype (with DO when do) through s and returns the answer.
func ask(t testing.TB, s *SQLSign, qname string, qtype uint16, do bool) *dns.Msg {
	t.Helper()
	r := new(dns.Msg)
	r.SetQuestion(qname, qtype)
	if do {
		r.SetEdns0(4096, true)
	}
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	if _, err := s.ServeDNS(context.Background(), rec, r); err != nil {
		t.Fatal(err)
	}
	if rec.Msg == nil {
		t.Fatalf("%s/%s: no answer written", qname, dns.TypeToString[qtype])
	}
	return rec.Msg
}

// fixedNow is the clock of the tests: Validity depends on the week.
var fixedNow = time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC)

// counter reads a counter's value.
func counter(t testing.TB, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

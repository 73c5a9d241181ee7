package dnssec_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/hostdns/hostdns/test/harness"
)

// TestHostdnsSOAEdit: with SOA-EDIT set (pdnsutil set-meta), hostdns serves
// the SOA serial pdnskeys.EditSOA makes, in answers and in the authority
// section of negative ones, with and without DO; PowerDNS serves the same;
// and the edited SOA validates (it is signed as edited).
func TestHostdnsSOAEdit(t *testing.T) {
	const stored = 1 // below any inception, so every kind edits it
	insec := startInsec(t)
	for _, kind := range []string{"INCEPTION-EPOCH", "INCREMENT-WEEKS"} {
		t.Run(kind, func(t *testing.T) {
			f := newFixture(t, signings[0])
			if _, err := f.db.DB.Exec(`UPDATE records SET content = ? WHERE type = 'SOA'`,
				"ns1.example.org hostmaster.example.org "+strconv.Itoa(stored)+" 7200 3600 1209600 300"); err != nil {
				t.Fatal(err)
			}
			f.pdu.SetMeta(t, origin, "SOA-EDIT", kind)
			want := editedSerial(t, kind, stored)
			pdns, ours := powerDNS.start(t, f), hostdns.start(t, f)
			for _, srv := range []struct{ name, addr string }{{"PowerDNS", pdns}, {"hostdns", ours}} {
				for _, do := range []bool{false, true} {
					for _, q := range []struct {
						qname string
						qtype uint16
					}{{origin, dns.TypeSOA}, {"nope." + origin, dns.TypeA}} {
						m := harness.Exchange(t, srv.addr, harness.WithEDNS(harness.Query(q.qname, q.qtype), 4096, do), "udp")
						if got := soaSerial(m); got != want {
							t.Errorf("%s, %s %s, DO %v: SOA serial %d, want %d\n%v", srv.name, q.qname, dns.TypeToString[q.qtype], do, got, want, m)
						}
					}
				}
			}
			u := resolver(t, ours, insec, f.anchors(t))
			soa := "example.org. SOA ns1.example.org. hostmaster.example.org. " + strconv.Itoa(int(want)) + " 7200 3600 1209600 300"
			checkCase(t, harness.Validate(t, u.Addr, origin, dns.TypeSOA),
				dnsCase{name: "edited SOA", qname: origin, qtype: dns.TypeSOA, secure: true, answer: []string{soa}}, signings[0])
			checkCase(t, harness.Validate(t, u.Addr, "nope."+origin, dns.TypeA), cases[2], signings[0])
		})
	}
}

// editedSerial is the serial pdnskeys makes of stored under SOA-EDIT kind
// now; it fails the test when the serial would not change, which would test
// nothing.
func editedSerial(t *testing.T, kind string, stored uint32) uint32 {
	t.Helper()
	kr, errs := pdnskeys.New(origin, nil, []pdnskeys.MetaRow{{Kind: "SOA-EDIT", Content: kind}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	soa := &dns.SOA{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET}, Serial: stored}
	serial := kr.EditSOA(soa, time.Now()).Serial
	if serial == stored {
		t.Fatalf("SOA-EDIT %s leaves serial %d as it is", kind, stored)
	}
	return serial
}

// soaSerial returns the serial of the SOA in m's answer or authority
// section, 0 when there is none.
func soaSerial(m *dns.Msg) uint32 {
	for _, rr := range append(m.Answer, m.Ns...) {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial
		}
	}
	return 0
}

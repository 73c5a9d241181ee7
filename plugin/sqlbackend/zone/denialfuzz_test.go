package zone

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzDenialText: any zone text, any query, both modes (the sibling zone in the
// other): every answer proves itself (checkProof), and keeps the engine's
// invariants.
func FuzzDenialText(f *testing.F) {
	f.Add(denialZone, "nx.example.org.", uint16(dns.TypeA))
	f.Add(denialZone, "nn.w.example.org.", uint16(dns.TypeMX))
	f.Add(denialZone, "foo.went.example.org.", uint16(dns.TypeA))
	f.Add(denialZone, "b.ent.example.org.", uint16(dns.TypeA))
	f.Add(denialZone, "host.insec.example.org.", uint16(dns.TypeA))
	f.Add(denialZone, "insec.example.org.", uint16(dns.TypeDS))
	f.Add(denialZone, "cwild.example.org.", uint16(dns.TypeA))
	f.Add(denialZone, "cnx.example.org.", uint16(dns.TypeTXT))
	f.Add(denialZone, "x.cw.example.org.", uint16(dns.TypeMX))
	f.Add(denialZone, "cnet.example.org.", uint16(dns.TypeA))
	f.Add("a.b.c 1 IN A 192.0.2.1\n*.b.c 1 IN TXT x\nd 1 IN NS ns.x.\n", "z.b.c.example.org.", uint16(dns.TypeMX))
	f.Add("*.a 1 IN CNAME b.a.example.org.\nb.a 1 IN DNAME a.example.org.", "x.b.a.example.org.", uint16(dns.TypeA))
	f.Add(`\000 1 IN A 192.0.2.1`+"\n*.\\000 1 IN A 192.0.2.1\nz 1 IN NS z.", `\000.\000.example.org.`, uint16(dns.TypeAAAA))
	f.Fuzz(func(t *testing.T, text, qname string, qtype uint16) {
		if len(text) > 4096 {
			return
		}
		org := fuzzZone(t, "example.org.", "@ 3600 IN SOA ns h 1 2 3 4 300\n@ 3600 IN NS ns\n"+text)
		net := fuzzZone(t, "example.net.", "@ 600 IN SOA ns h 1 2 3 4 60\nwww 60 IN A 192.0.2.1\n")
		qname = strings.ToLower(dns.Fqdn(qname))
		if _, ok := dns.IsDomainName(qname); !ok || !dns.IsSubDomain("example.org.", qname) {
			qname = "www.example.org."
		}
		askBothModes(t, org, net, qname, qtype)
	})
}

// askBothModes asks org qname/qtype with DO, org in NSEC and net in NSEC3
// mode and the other way round, and checks the answers.
func askBothModes(t *testing.T, org, net *Zone, qname string, qtype uint16) {
	t.Helper()
	q := Query{Name: qname, Type: qtype, DO: true}
	nsec := &Denial{ApexTypes: apexTypes}
	nsec3 := &Denial{NSEC3: testParam3, ApexTypes: apexTypes}
	for _, modes := range [][2]*Denial{{nsec, nsec3}, {nsec3, nsec}} {
		served := servedZones{org.WithDenial(modes[0]), net.WithDenial(modes[1])}
		a := served[0].Lookup(context.Background(), q, served)
		checkInvariants(t, q, a)
		if proofSkipped(served, qname, qtype, a) {
			continue
		}
		if err := checkProof(served, qname, qtype, a); err != nil {
			t.Fatalf("%s %s (NSEC3 %v): %v\n%s", qname, dns.TypeToString[qtype], modes[0].NSEC3 != nil, err, show(a))
		}
	}
}

// FuzzDenial: zones of random names made of few labels (a, b, c, *), so
// that cuts, wildcards, empty non-terminals, occluded names and chains meet
// often, each name with a random type; every name of the zone, and names
// beside and below them, asked for a few types in both modes: each answer
// proves itself (checkProof).
func FuzzDenial(f *testing.F) {
	f.Add([]byte{0x00, 0x00, 0x05, 0x1b, 0x0e, 0x02, 0x11, 0x06, 0x20, 0x09, 0x19, 0x2d})
	f.Add([]byte{0x0a, 0x08, 0x0d, 0x24, 0x12, 0x09, 0x03, 0x02, 0x17, 0x36})
	f.Add([]byte{0x01, 0x02, 0x08, 0x02, 0x04, 0x22, 0x10, 0x0a, 0x15, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 48 {
			return
		}
		text, names := genZone(data)
		org := fuzzZone(t, "example.org.", "@ 3600 IN SOA ns h 1 2 3 4 300\n@ 3600 IN NS ns\n"+text)
		net := fuzzZone(t, "example.net.", "@ 600 IN SOA ns h 1 2 3 4 60\nwww 60 IN A 192.0.2.1\n")
		for _, n := range names {
			for _, qname := range []string{n, "a." + n, "z." + n, "*." + n, "b.a." + n} {
				for _, qtype := range []uint16{dns.TypeA, dns.TypeMX, dns.TypeDS, dns.TypeNS, dns.TypeCNAME} {
					askBothModes(t, org, net, qname, qtype)
				}
			}
		}
	})
}

// genZone makes zone text of data, two bytes a record: the first picks
// how many labels (1-3) and the type, the second the labels.
func genZone(data []byte) (text string, names []string) {
	labels := []string{"a", "b", "c", "*"}
	var b strings.Builder
	names = []string{"example.org."}
	name := func(x, y byte) string {
		n := 1 + int(x%3)
		var parts []string
		for j := range n {
			parts = append(parts, labels[(y>>(2*j))&3])
		}
		return strings.Join(parts, ".") + ".example.org."
	}
	for i := 0; i+1 < len(data); i += 2 {
		x, y := data[i], data[i+1]
		owner := name(x, y)
		names = append(names, owner)
		kind := (x / 3) % 7
		if (kind == 2 || kind == 3) && strings.HasPrefix(owner, "*.") {
			kind = 0 // NS at a wildcard has no defined meaning (RFC 4592 4.2): no proof holds for it
		}
		switch kind {
		case 0:
			fmt.Fprintf(&b, "%s 300 IN A 192.0.2.1\n", owner)
		case 1:
			fmt.Fprintf(&b, "%s 300 IN TXT t\n", owner)
		case 2:
			fmt.Fprintf(&b, "%s 300 IN NS ns.other.test.\n", owner)
		case 3:
			fmt.Fprintf(&b, "%s 300 IN NS ns.other.test.\n%s 300 IN DS 1 13 2 00112233\n", owner, owner)
		case 4:
			fmt.Fprintf(&b, "%s 300 IN CNAME %s\n", owner, name(y, x))
		case 5:
			fmt.Fprintf(&b, "%s 300 IN MX 10 %s\n", owner, name(y, x))
		case 6:
			fmt.Fprintf(&b, "%s 300 IN CNAME x.example.net.\n", owner)
		}
	}
	return b.String(), names
}

package zone

import (
	"crypto/ecdsa"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// richZone exercises every path of a lookup: apex data, delegations with glue
// and DS, wildcards (A, MX, CNAME, below ENTs, an ENT wildcard), deep empty
// non-terminals, CNAME chains in and out of the zone and in loops, DNAMEs,
// MX/SRV/SVCB/HTTPS with in-zone targets, a big RRset, escaped names and
// mixed case.
var richZone = `$ORIGIN example.org.
@        3600 IN SOA  ns1.example.org. HostMaster.example.org. 1 7200 3600 1209600 300
@        3600 IN NS   ns1.example.org.
@        3600 IN NS   NS2.example.org.
@        3600 IN NS   ns.outside.net.
@        3600 IN MX   10 mail.example.org.
@        3600 IN MX   20 MAIL.example.org.
@        3600 IN TXT  "v=spf1 -all"
@        3600 IN A    192.0.2.1
ns1      3600 IN A    192.0.2.53
ns1      3600 IN AAAA 2001:db8::53
ns2      3600 IN A    192.0.2.54
mail     300  IN A    192.0.2.25
mail     300  IN AAAA 2001:db8::25
www      300  IN A    192.0.2.80
www      300  IN A    192.0.2.81
www      300  IN AAAA 2001:db8::80
WwW      300  IN TXT  "mixed case owner"
*        300  IN A    192.0.2.99
*        300  IN MX   10 mail.example.org.
*.wild   300  IN CNAME www.example.org.
*.wcx    300  IN CNAME target.outside.net.
*.wloop  300  IN CNAME x.wloop.example.org.
host.c.b.ent 300 IN A 192.0.2.10
*.b.ent  300  IN TXT  "wildcard below an ENT"
e.d.c.b.a.deep 300 IN A 192.0.2.11
a.*.went 300  IN A    192.0.2.12
sub      3600 IN NS   ns1.sub.example.org.
sub      3600 IN NS   ns.outside.net.
sub      3600 IN DS   12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns1.sub  3600 IN A    192.0.2.200
ns1.sub  3600 IN AAAA 2001:db8::200
deleg2   3600 IN NS   ns1.example.org.
c1       300  IN CNAME c2.example.org.
c2       300  IN CNAME WWW.example.org.
cout     300  IN CNAME www.outside.net.
cloop1   300  IN CNAME cloop2.example.org.
cloop2   300  IN CNAME cloop1.example.org.
cself    300  IN CNAME cself.example.org.
cnodata  300  IN CNAME mail.example.org.
cnx      300  IN CNAME nothere.example.org.
cwild    300  IN CNAME foo.wild.example.org.
cdeleg   300  IN CNAME host.sub.example.org.
capex    300  IN CNAME example.org.
cent     300  IN CNAME b.ent.example.org.
cmx      300  IN CNAME mx2.example.org.
l1       300  IN CNAME l2.example.org.
l2       300  IN CNAME l3.example.org.
l3       300  IN CNAME l4.example.org.
l4       300  IN CNAME l5.example.org.
l5       300  IN CNAME l6.example.org.
l6       300  IN CNAME l7.example.org.
l7       300  IN CNAME l8.example.org.
l8       300  IN CNAME l9.example.org.
l9       300  IN CNAME l10.example.org.
l10      300  IN CNAME l11.example.org.
l11      300  IN CNAME l12.example.org.
l12      300  IN A     192.0.2.12
dn       300  IN DNAME example.net.
dn2      300  IN DNAME sub2.example.org.
www.sub2 300  IN A     192.0.2.13
mx2      300  IN MX   10 mail.example.org.
mx2      300  IN MX   20 www.example.org.
mx2      300  IN MX   30 mail.outside.net.
_sip._tcp 300 IN SRV  10 5 5060 sipserver.example.org.
sipserver 300 IN A    192.0.2.60
svc      300  IN SVCB 1 svctarget.example.org. alpn="h2"
svctarget 300 IN A    192.0.2.61
svctarget 300 IN AAAA 2001:db8::61
svcself  300  IN HTTPS 1 . alpn="h2"
svcself  300  IN A    192.0.2.77
svcalias 300  IN HTTPS 0 www.example.org.
svcdot0  300  IN HTTPS 0 .
a\.b     300  IN A    192.0.2.14
has\046dot 300 IN TXT "escaped dot"
\000     300  IN TXT  "zero octet"
MiXeD.CaSe 300 IN A   192.0.2.15
` + bigRRset

// bigRRset is an RRset of 40 records.
var bigRRset = func() string {
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "big 300 IN A 198.51.100.%d\n", i+1)
	}
	return b.String()
}()

// parseZone returns the records of zone text, failing the test on an error.
func parseZone(t testing.TB, text string) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), "", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return rrs
}

// copyRRs returns deep copies of rrs: the file plugin and the engine each
// normalise the records they get in place.
func copyRRs(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
	}
	return out
}

// build makes a Zone of rrs, failing the test on an error.
func build(t testing.TB, origin string, rrs []dns.RR) *Zone {
	t.Helper()
	b := NewBuilder(origin)
	for _, rr := range rrs {
		if _, err := b.Add(rr); err != nil {
			t.Fatal(err)
		}
	}
	z, err := b.Zone()
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// sign returns rrs pre-signed as a signer would: an NSEC chain over the
// authoritative names and those of the cuts, an RRSIG over every
// authoritative RRset and the NSECs, none over the NS of a cut or glue.
func sign(t testing.TB, origin string, rrs []dns.RR) []dns.RR {
	t.Helper()
	key := &dns.DNSKEY{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := key.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	rrs = append(slices.Clone(rrs), key)
	byName := map[string][]dns.RR{}
	var cuts []string
	for _, rr := range rrs {
		n := strings.ToLower(rr.Header().Name)
		byName[n] = append(byName[n], rr)
		if rr.Header().Rrtype == dns.TypeNS && n != origin {
			cuts = append(cuts, n)
		}
	}
	glue := func(n string) bool {
		for _, c := range cuts {
			if n != c && dns.IsSubDomain(c, n) {
				return true
			}
		}
		return false
	}
	var names []string
	for n := range byName {
		if !glue(n) {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, refCompare)
	out := slices.Clone(rrs)
	for i, n := range names {
		types := map[uint16]bool{dns.TypeNSEC: true, dns.TypeRRSIG: true}
		for _, rr := range byName[n] {
			types[rr.Header().Rrtype] = true
		}
		var bitmap []uint16
		for ty := range types {
			bitmap = append(bitmap, ty)
		}
		slices.Sort(bitmap)
		nsec := &dns.NSEC{Hdr: dns.RR_Header{Name: byName[n][0].Header().Name, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: 300},
			NextDomain: names[(i+1)%len(names)], TypeBitMap: bitmap}
		out = append(out, nsec)
		sets := map[uint16][]dns.RR{dns.TypeNSEC: {nsec}}
		for _, rr := range byName[n] {
			ty := rr.Header().Rrtype
			if ty == dns.TypeNS && slices.Contains(cuts, n) {
				continue
			}
			sets[ty] = append(sets[ty], rr)
		}
		for ty, set := range sets {
			sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: set[0].Header().Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: set[0].Header().Ttl},
				TypeCovered: ty, Algorithm: key.Algorithm, KeyTag: key.KeyTag(), SignerName: origin,
				Inception: uint32(time.Now().Unix()), Expiration: uint32(time.Now().Add(time.Hour).Unix())}
			if err := sig.Sign(priv.(*ecdsa.PrivateKey), set); err != nil {
				t.Fatalf("signing %s/%d: %v", n, ty, err)
			}
			out = append(out, sig)
		}
	}
	return out
}

// refCompare is RFC 4034 6.1's canonical order, written from the RFC and
// independent of the engine's keys: labels compared from the root down, each
// as a lower-cased octet string.
func refCompare(a, b string) int {
	la, lb := wireLabels(a), wireLabels(b)
	for i := 1; i <= len(la) && i <= len(lb); i++ {
		if c := strings.Compare(la[len(la)-i], lb[len(lb)-i]); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

// wireLabels returns name's labels as lower-cased octet strings (nil if
// name is not a valid name).
func wireLabels(name string) []string {
	buf := make([]byte, 256)
	off, err := dns.PackDomainName(dns.Fqdn(name), buf, 0, nil, false)
	if err != nil {
		return nil
	}
	var labels []string
	for i := 0; i < off && buf[i] != 0; i += int(buf[i]) + 1 {
		l := slices.Clone(buf[i+1 : i+1+int(buf[i])])
		for j, c := range l {
			if c >= 'A' && c <= 'Z' {
				l[j] = c + 'a' - 'A'
			}
		}
		labels = append(labels, string(l))
	}
	return labels
}

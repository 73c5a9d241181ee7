package zone

import (
	"context"
	"encoding/base32"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// denialZone has every shape a denial takes: names, empty non-terminals, a
// wildcard with a name beside it, a wildcard CNAME, an empty non-terminal
// wildcard, a secure and an insecure delegation (with glue and occluded
// data), private types, chains, and DNSSEC rows left from pre-signed data
// (a DNSKEY, an NSEC, an RRSIG), which an online zone neither answers nor
// lists. TestDenialChain has its NSEC chain.
const denialZone = `$ORIGIN example.org.
@          3600 IN SOA    ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300
@          3600 IN NS     ns1.example.org.
@          3600 IN MX     10 mail.example.org.
@          3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
ns1        3600 IN A      192.0.2.53
mail       300  IN A      192.0.2.25
www        300  IN A      192.0.2.80
www        300  IN NSEC   mail.example.org. A RRSIG NSEC
www        300  IN RRSIG  A 13 3 300 20300101000000 20200101000000 12345 example.org. AAAA
host.b.ent 300  IN A      192.0.2.10
*.w        300  IN A      192.0.2.99
*.w        300  IN TXT    "wild"
mid.w      300  IN TXT    "beside the wildcard"
*.cw       300  IN CNAME  www.example.org.
x.*.went   300  IN A      192.0.2.12
sub        3600 IN NS     ns.sub.example.org.
sub        3600 IN DS     12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.sub     3600 IN A      192.0.2.200
insec      3600 IN NS     ns.other.test.
a.b.insec  3600 IN A      192.0.2.201
alias      300  IN ALIAS  target.example.net.
pool       300  IN POOL   host.example.net. 1
cnx        300  IN CNAME  nothere.example.org.
cwild      300  IN CNAME  foo.w.example.org.
cnet       300  IN CNAME  nx.example.net.
zz         300  IN TXT    "last"
`

const netZone = `$ORIGIN example.net.
@    600 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 3600 1209600 60
@    600 IN NS  ns1.example.net.
ns1  600 IN A   198.51.100.53
`

// Expected records, written independently of the engine: nsec by hand,
// NSEC3 hashes with dns.HashName and their neighbours with math/big.

func nsecRR(owner, next, types string) string {
	return fmt.Sprintf("%s 300 IN NSEC %s %s", abs(owner), abs(next), types)
}

func abs(name string) string {
	if name == "@" {
		return "example.org."
	}
	return name + ".example.org."
}

// n3 is the NSEC3 white lie matching name (cover false) or covering it.
func n3(origin string, ttl uint32, name string, cover bool, types string) string {
	p := testParam3
	raw, err := base32.HexEncoding.DecodeString(dns.HashName(name, dns.SHA1, p.Iterations, p.Salt))
	if err != nil {
		panic(err)
	}
	h := new(big.Int).SetBytes(raw)
	mod := new(big.Int).Lsh(big.NewInt(1), 160)
	enc := func(v *big.Int) string {
		v = new(big.Int).Mod(v, mod)
		return base32.HexEncoding.EncodeToString(v.FillBytes(make([]byte, 20)))
	}
	owner := enc(h)
	if cover {
		owner = enc(new(big.Int).Sub(h, big.NewInt(1)))
	}
	return strings.TrimSpace(fmt.Sprintf("%s.%s %d IN NSEC3 1 0 %d %s %s %s", strings.ToLower(owner), origin, ttl,
		p.Iterations, p.Salt, enc(new(big.Int).Add(h, big.NewInt(1))), types))
}

func m3(name, types string) string { return n3("example.org.", 300, abs(name), false, types) }
func c3(name string) string        { return n3("example.org.", 300, abs(name), true, "") }

const (
	soaOrg   = "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300"
	nsOrg    = "example.org. 3600 IN NS ns1.example.org."
	apexNSEC = "NS SOA MX RRSIG NSEC DNSKEY CDS CDNSKEY"
	apexN3   = "NS SOA MX RRSIG DNSKEY NSEC3PARAM CDS CDNSKEY"
)

type denialCase struct {
	name, qname string
	qtype       uint16
	result      Result
	answer      []string
	ns, ns3     []string // the authority section in NSEC and in NSEC3 mode
	extra       []string
	answer3     []string // the answer in NSEC3 mode when not answer
	only        int      // 1: NSEC mode only, 3: NSEC3 mode only, 0: both
}

var denialCases = []denialCase{
	{"RFC 4035 3.1.3.2, RFC 5155 7.2.2: NXDOMAIN", "nx", dns.TypeA, NameError, nil,
		[]string{soaOrg, nsecRR("ns1", "pool", "A RRSIG NSEC"), nsecRR("@", "alias", apexNSEC)},
		[]string{soaOrg, m3("@", apexN3), c3("nx"), c3("*")}, nil, nil, 0},
	{"RFC 4035 3.1.3.1, RFC 5155 7.2.3: NODATA at a name; held DNSSEC rows are not in the bitmap", "www", dns.TypeMX, NoData, nil,
		[]string{soaOrg, nsecRR("www", "zz", "A RRSIG NSEC")},
		[]string{soaOrg, m3("www", "A RRSIG")}, nil, nil, 0},
	{"RFC 4035 3.1.3.2, RFC 5155 7.2.3: NODATA at an empty non-terminal", "b.ent", dns.TypeA, NoData, nil,
		[]string{soaOrg, nsecRR("cwild", "host.b.ent", "CNAME RRSIG NSEC")},
		[]string{soaOrg, m3("b.ent", "")}, nil, nil, 0},
	{"RFC 4035 3.1.3.3, RFC 5155 7.2.6: a wildcard answer proves no closer name", "foo.w", dns.TypeA, Success,
		[]string{"foo.w.example.org. 300 IN A 192.0.2.99"},
		[]string{nsOrg, nsecRR("*.w", "mid.w", "A TXT RRSIG NSEC")},
		[]string{nsOrg, c3("foo.w")}, nil, nil, 0},
	{"RFC 4035 3.1.3.4, RFC 5155 7.2.5: wildcard NODATA", "nn.w", dns.TypeMX, NoData, nil,
		[]string{soaOrg, nsecRR("mid.w", "x.*.went", "TXT RRSIG NSEC"), nsecRR("*.w", "mid.w", "A TXT RRSIG NSEC")},
		[]string{soaOrg, m3("w", ""), c3("nn.w"), m3("*.w", "A TXT RRSIG")}, nil, nil, 0},
	{"RFC 4592 3.3.3: the wildcard is an empty non-terminal: NODATA", "foo.went", dns.TypeA, NoData, nil,
		[]string{soaOrg, nsecRR("x.*.went", "www", "A RRSIG NSEC"), nsecRR("mid.w", "x.*.went", "TXT RRSIG NSEC")},
		[]string{soaOrg, m3("went", ""), c3("foo.went"), m3("*.went", "")}, nil, nil, 0},
	{"RFC 4035 3.1.4.1, RFC 5155 7.2.7: an insecure referral proves no DS", "host.insec", dns.TypeA, Delegation, nil,
		[]string{"insec.example.org. 3600 IN NS ns.other.test.", nsecRR("insec", "mail", "NS RRSIG NSEC")},
		[]string{"insec.example.org. 3600 IN NS ns.other.test.", m3("insec", "NS")}, nil, nil, 0},
	{"RFC 4035 3.1.4: a secure referral carries the DS, unsigned", "host.sub", dns.TypeA, Delegation, nil,
		[]string{"sub.example.org. 3600 IN NS ns.sub.example.org.", "sub.example.org. 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"},
		nil, []string{"ns.sub.example.org. 3600 IN A 192.0.2.200"}, nil, 0},
	{"RFC 4035 3.1.4.1, RFC 5155 7.2.4: DS at a cut without one, answered by the parent", "insec", dns.TypeDS, NoData, nil,
		[]string{soaOrg, nsecRR("insec", "mail", "NS RRSIG NSEC")},
		[]string{soaOrg, m3("insec", "NS")}, nil, nil, 0},
	{"DS at a secure cut", "sub", dns.TypeDS, Success,
		[]string{"sub.example.org. 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"},
		[]string{nsOrg}, nil, nil, nil, 0},
	{"RFC 4035 3.1.3: a chain's NXDOMAIN is proved where it ended", "cnx", dns.TypeA, NameError,
		[]string{"cnx.example.org. 300 IN CNAME nothere.example.org."},
		[]string{soaOrg, nsecRR("mail", "ns1", "A RRSIG NSEC"), nsecRR("@", "alias", apexNSEC)},
		[]string{soaOrg, m3("@", apexN3), c3("nothere"), c3("*")}, nil, nil, 0},
	{"RFC 4035 3.1.3.3: a CNAME synthesised from a wildcard, with its proof", "foo.cw", dns.TypeA, Success,
		[]string{"foo.cw.example.org. 300 IN CNAME www.example.org.", "www.example.org. 300 IN A 192.0.2.80"},
		[]string{nsOrg, nsecRR("*.cw", "cwild", "CNAME RRSIG NSEC")},
		[]string{nsOrg, c3("foo.cw")}, nil, nil, 0},
	{"RFC 4035 3.1.3.3: a chain into a wildcard, with its proof", "cwild", dns.TypeA, Success,
		[]string{"cwild.example.org. 300 IN CNAME foo.w.example.org.", "foo.w.example.org. 300 IN A 192.0.2.99"},
		[]string{nsOrg, nsecRR("*.w", "mid.w", "A TXT RRSIG NSEC")},
		[]string{nsOrg, c3("foo.w")}, nil, nil, 0},
	{"a name with ALIAS answers A and AAAA (the plugin above): in its bitmap", "alias", dns.TypeMX, NoData, nil,
		[]string{soaOrg, nsecRR("alias", "cnet", "A AAAA RRSIG NSEC ALIAS")},
		[]string{soaOrg, m3("alias", "A AAAA RRSIG ALIAS")}, nil, nil, 0},
	{"a name with POOL answers CNAME: in its bitmap", "pool", dns.TypeTXT, NoData, nil,
		[]string{soaOrg, nsecRR("pool", "sub", "CNAME RRSIG NSEC POOL")},
		[]string{soaOrg, m3("pool", "CNAME RRSIG POOL")}, nil, nil, 0},
	{"a positive answer: no RRSIG held is sent", "www", dns.TypeA, Success,
		[]string{"www.example.org. 300 IN A 192.0.2.80"}, []string{nsOrg}, nil, nil, nil, 0},
	{"the NSEC at a name is an RRset there", "www", dns.TypeNSEC, Success,
		[]string{nsecRR("www", "zz", "A RRSIG NSEC")}, []string{nsOrg}, nil, nil, nil, 1},
	{"NSEC3 mode has no NSEC", "www", dns.TypeNSEC, NoData, nil, nil, []string{soaOrg, m3("www", "A RRSIG")}, nil, nil, 3},
	{"RFC 5155 4: the NSEC3PARAM at the apex, flags 0", "@", dns.TypeNSEC3PARAM, Success, nil, nil, []string{nsOrg}, nil,
		[]string{"example.org. 300 IN NSEC3PARAM 1 0 2 ab12"}, 3},
	{"NSEC mode has no NSEC3PARAM", "@", dns.TypeNSEC3PARAM, NoData, nil,
		[]string{soaOrg, nsecRR("@", "alias", apexNSEC)}, nil, nil, nil, 1},
	{"the apex DNSKEY rows are not answered: the signer owns DNSKEY", "@", dns.TypeDNSKEY, NoData, nil,
		[]string{soaOrg, nsecRR("@", "alias", apexNSEC)},
		[]string{soaOrg, m3("@", apexN3)}, nil, nil, 0},
	{"the last NSEC points to the apex", "zz", dns.TypeA, NoData, nil,
		[]string{soaOrg, nsecRR("zz", "@", "TXT RRSIG NSEC")},
		[]string{soaOrg, m3("zz", "TXT RRSIG")}, nil, nil, 0},
	{"NXDOMAIN after the last name: the wrap-around NSEC covers it", "zzz", dns.TypeA, NameError, nil,
		[]string{soaOrg, nsecRR("zz", "@", "TXT RRSIG NSEC"), nsecRR("@", "alias", apexNSEC)},
		[]string{soaOrg, m3("@", apexN3), c3("zzz"), c3("*")}, nil, nil, 0},
	{"NXDOMAIN beside a cut: its NSEC skips the glue and occluded names", "j", dns.TypeA, NameError, nil,
		[]string{soaOrg, nsecRR("insec", "mail", "NS RRSIG NSEC"), nsecRR("@", "alias", apexNSEC)},
		[]string{soaOrg, m3("@", apexN3), c3("j"), c3("*")}, nil, nil, 0},
	{"NXDOMAIN below an empty non-terminal: the closest encloser is the ENT", "x.b.ent", dns.TypeA, NameError, nil,
		[]string{soaOrg, nsecRR("host.b.ent", "insec", "A RRSIG NSEC"), nsecRR("cwild", "host.b.ent", "CNAME RRSIG NSEC")},
		[]string{soaOrg, m3("b.ent", ""), c3("x.b.ent"), c3("*.b.ent")}, nil, nil, 0},
}

func (c denialCase) want(nsec3 bool) Answer {
	answer, ns := c.answer, c.ns
	if nsec3 {
		if c.answer3 != nil {
			answer = c.answer3
		}
		if c.ns3 != nil {
			ns = c.ns3
		}
	}
	return Answer{Answer: mustRRs(answer), Ns: mustRRs(ns), Extra: mustRRs(c.extra), Result: c.result}
}

func mustRRs(texts []string) []dns.RR {
	var out []dns.RR
	for _, s := range texts {
		rr, err := dns.NewRR(s)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", s, err))
		}
		out = append(out, rr)
	}
	return out
}

// denialServed returns the zones of the denial tests in one mode (NSEC or
// NSEC3; example.net in the other).
func denialServed(t testing.TB, nsec3 bool) servedZones {
	org := build(t, "example.org.", parseZone(t, denialZone))
	net := build(t, "example.net.", parseZone(t, netZone))
	n, n3 := &Denial{ApexTypes: apexTypes}, &Denial{NSEC3: testParam3, ApexTypes: apexTypes}
	if nsec3 {
		return servedZones{org.WithDenial(n3), net.WithDenial(n)}
	}
	return servedZones{org.WithDenial(n), net.WithDenial(n3)}
}

// TestDenial asks every case three times: the NSEC records and NSEC3 white
// lies of the later ones are the ones the version kept.
func TestDenial(t *testing.T) {
	for _, nsec3 := range []bool{false, true} {
		served := denialServed(t, nsec3)
		for _, c := range slices.Concat(denialCases, denialCases, denialCases) {
			if c.only == 1 && nsec3 || c.only == 3 && !nsec3 {
				continue
			}
			t.Run(fmt.Sprintf("NSEC3=%v/%s", nsec3, c.name), func(t *testing.T) {
				q := Query{Name: abs(c.qname), Type: c.qtype, DO: true}
				got := served[0].Lookup(context.Background(), q, served)
				if msg := compareAnswers(got, c.want(nsec3)); msg != "" {
					t.Errorf("%s\ngot:  %s\nwant: %s", msg, show(got), show(c.want(nsec3)))
				}
				checkClipped(t, q, got)
				if err := checkProof(served, q.Name, q.Type, got); err != nil && !proofSkipped(served, q.Name, q.Type, got) {
					t.Errorf("proof: %v", err)
				}
			})
		}
	}
}

// TestDenialChainOtherZone: a chain into another served zone is proved by
// that zone, in its own mode (RFC 4035 3.1.3, RFC 2308 2.1).
func TestDenialChainOtherZone(t *testing.T) {
	soaNet := "example.net. 60 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 3600 1209600 60"
	apexNet := "example.net. 60 IN NSEC ns1.example.net. NS SOA RRSIG NSEC DNSKEY CDS CDNSKEY"
	for _, nsec3 := range []bool{false, true} {
		served := denialServed(t, nsec3)
		q := Query{Name: "cnet.example.org.", Type: dns.TypeA, DO: true}
		got := served[0].Lookup(context.Background(), q, served)
		var ns []string
		if nsec3 { // example.net is in the other mode
			ns = []string{soaNet, "ns1.example.net. 60 IN NSEC example.net. A RRSIG NSEC", apexNet}
		} else {
			ns = []string{soaNet,
				n3("example.net.", 60, "example.net.", false, "NS SOA RRSIG DNSKEY NSEC3PARAM CDS CDNSKEY"),
				n3("example.net.", 60, "nx.example.net.", true, ""), n3("example.net.", 60, "*.example.net.", true, "")}
		}
		want := Answer{Answer: mustRRs([]string{"cnet.example.org. 300 IN CNAME nx.example.net."}), Ns: mustRRs(ns), Result: NameError}
		if msg := compareAnswers(got, want); msg != "" {
			t.Errorf("NSEC3=%v: %s\ngot:  %s\nwant: %s", nsec3, msg, show(got), show(want))
		}
		if err := checkProof(served, q.Name, q.Type, got); err != nil {
			t.Errorf("NSEC3=%v: proof: %v", nsec3, err)
		}
	}
}

// TestDenialWithoutDO: no DO, no denial records; the DNSSEC rows held stay
// out of answers all the same.
func TestDenialWithoutDO(t *testing.T) {
	served := denialServed(t, false)
	for _, c := range []struct {
		qname  string
		qtype  uint16
		result Result
		ns     []string
	}{
		{"nx", dns.TypeA, NameError, []string{soaOrg}},
		{"www", dns.TypeRRSIG, NoData, []string{soaOrg}},
		{"host.insec", dns.TypeA, Delegation, []string{"insec.example.org. 3600 IN NS ns.other.test."}},
	} {
		got := served[0].Lookup(context.Background(), Query{Name: abs(c.qname), Type: c.qtype}, served)
		want := Answer{Ns: mustRRs(c.ns), Result: c.result}
		if msg := compareAnswers(got, want); msg != "" {
			t.Errorf("%s: %s\ngot:  %s\nwant: %s", c.qname, msg, show(got), show(want))
		}
	}
}

// TestDenialChain: the chain the NSECs make, from Walk by hand, is what
// nsecAt gives each name in it: every name once, glue and occluded names
// out, the last back to the apex.
func TestDenialChain(t *testing.T) {
	z := denialServed(t, false)[0]
	want := []string{"@", "alias", "cnet", "cnx", "*.cw", "cwild", "host.b.ent", "insec", "mail", "ns1",
		"pool", "sub", "*.w", "mid.w", "x.*.went", "www", "zz"}
	name := "example.org."
	for i := range want {
		if name != abs(want[i]) {
			t.Fatalf("chain step %d: %s, want %s", i, name, abs(want[i]))
		}
		o, _ := z.get(name)
		name = z.nsecAt(o).(*dns.NSEC).NextDomain
	}
	if name != "example.org." {
		t.Fatalf("the chain ends at %s, not back at the apex", name)
	}
}

func TestWildcard(t *testing.T) {
	z := denialServed(t, false)[0]
	for name, want := range map[string]string{
		"foo.w.example.org.":      "*.w.example.org.",
		"x.foo.w.example.org.":    "*.w.example.org.",
		"foo.cw.example.org.":     "*.cw.example.org.",
		"mid.w.example.org.":      "",
		"*.w.example.org.":        "",
		"www.example.org.":        "",
		"b.ent.example.org.":      "",
		"nx.example.org.":         "",
		"foo.went.example.org.":   "", // the wildcard is an empty non-terminal
		"host.insec.example.org.": "",
		"x.sub.example.org.":      "",
		"www.example.net.":        "",
	} {
		if got := z.Wildcard(name); got != want {
			t.Errorf("Wildcard(%s) = %q, want %q", name, got, want)
		}
	}
	// Below a cut, a wildcard there is occluded.
	occ := build(t, "example.org.", parseZone(t, denialZone+"*.insec 300 IN A 192.0.2.1\n"))
	if got := occ.Wildcard("x.insec.example.org."); got != "" {
		t.Errorf("Wildcard below a cut = %q", got)
	}
}

// TestDenialPatch: Patch carries the mode, and the NSEC TTL follows a new
// SOA; the version patched answers as before.
func TestDenialPatch(t *testing.T) {
	z := denialServed(t, false)[0]
	soa := z.SOA()
	newSOA := dns.Copy(soa).(*dns.SOA)
	newSOA.Minttl = 60
	nz, _, err := z.Patch([]dns.RR{soa}, []dns.RR{newSOA, mustRRs([]string{"nx.example.org. 300 IN A 192.0.2.7"})[0]})
	if err != nil {
		t.Fatal(err)
	}
	if nz.Denial() != z.Denial() {
		t.Fatal("Patch dropped the denial mode")
	}
	q := Query{Name: "ny.example.org.", Type: dns.TypeA, DO: true}
	got := nz.Lookup(context.Background(), q, servedZones{nz})
	want := mustRRs([]string{"example.org. 60 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 60",
		"nx.example.org. 60 IN NSEC pool.example.org. A RRSIG NSEC", "example.org. 60 IN NSEC alias.example.org. " + apexNSEC})
	if msg := compareAnswers(got, Answer{Ns: want, Result: NameError}); msg != "" {
		t.Errorf("%s\ngot: %s", msg, show(got))
	}
	old := z.Lookup(context.Background(), q, servedZones{z})
	if len(old.Ns) != 3 || old.Ns[1].(*dns.NSEC).Hdr.Name != "ns1.example.org." {
		t.Errorf("the old version changed: %s", show(old))
	}
	if z.WithDenial(nil).Denial() != nil || z.Denial() == nil {
		t.Error("WithDenial(nil) must clear the mode on the new version only")
	}
}

// TestDenialPreSignedUnchanged: without a mode, DO copies the records held,
// as before (the differential test holds all of it to file).
func TestDenialPreSignedUnchanged(t *testing.T) {
	z := build(t, "example.org.", parseZone(t, denialZone))
	got := z.Lookup(context.Background(), Query{Name: "www.example.org.", Type: dns.TypeMX, DO: true}, servedZones{z})
	want := Answer{Ns: mustRRs([]string{soaOrg, "www.example.org. 300 IN NSEC mail.example.org. A RRSIG NSEC"}), Result: NoData}
	if msg := compareAnswers(got, want); msg != "" {
		t.Errorf("%s\ngot: %s", msg, show(got))
	}
}

// TestDenialURLBitmap: a name with a URL record answers A and AAAA through
// urlredirect above: NODATA there lists them, and denies only what it lacks.
func TestDenialURLBitmap(t *testing.T) {
	z := build(t, "example.org.", parseZone(t, `$ORIGIN example.org.
@   3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300
@   3600 IN NS  ns1.example.org.
ns1 3600 IN A   192.0.2.53
go  300  IN URL "https://www.example.com/"
`)).WithDenial(&Denial{ApexTypes: apexTypes})
	served := servedZones{z}
	got := z.Lookup(context.Background(), Query{Name: "go.example.org.", Type: dns.TypeMX, DO: true}, served)
	want := Answer{Ns: mustRRs([]string{soaOrg, nsecRR("go", "ns1", "A AAAA RRSIG NSEC URL")}), Result: NoData}
	if msg := compareAnswers(got, want); msg != "" {
		t.Errorf("MX at a URL name: %s\ngot:  %s\nwant: %s", msg, show(got), show(want))
	}
}

// TestDenialNSECKept: a version hands out the same NSEC record at every
// denial that needs it (the signer above finds its signature by the record's
// identity); a patched version makes its own.
func TestDenialNSECKept(t *testing.T) {
	z := denialServed(t, false)[0]
	q := Query{Name: "ny.example.org.", Type: dns.TypeA, DO: true}
	first := z.Lookup(context.Background(), q, servedZones{z})
	second := z.Lookup(context.Background(), Query{Name: "nz.example.org.", Type: dns.TypeA, DO: true}, servedZones{z})
	if len(first.Ns) != 3 || len(second.Ns) != 3 {
		t.Fatalf("denials: %s; %s", show(first), show(second))
	}
	for i := 1; i < 3; i++ {
		if first.Ns[i] != second.Ns[i] {
			t.Errorf("NSEC %d: two records for one owner in one version: %v, %v", i, first.Ns[i], second.Ns[i])
		}
	}
	nz, _, err := z.Patch(nil, mustRRs([]string{"nx.example.org. 300 IN A 192.0.2.7"}))
	if err != nil {
		t.Fatal(err)
	}
	after := nz.Lookup(context.Background(), q, servedZones{nz})
	if after.Ns[1] == first.Ns[1] || after.Ns[1].(*dns.NSEC).Hdr.Name != "nx.example.org." {
		t.Errorf("after a patch: NSEC %v (the old version's was %v); want the new version's own, at nx", after.Ns[1], first.Ns[1])
	}
	if n := first.Ns[1].(*dns.NSEC); n.Hdr.Name != "ns1.example.org." || n.NextDomain != "pool.example.org." {
		t.Errorf("the old version's NSEC: %v; want ns1 -> pool, as before the patch", n)
	}
}

// TestDenialNSEC3Kept: a version hands out the same NSEC3 white lies once a
// name was denied twice (the signer above finds their signatures and the
// whole signed answer by identity); a patched version makes its own, with
// its negative TTL.
func TestDenialNSEC3Kept(t *testing.T) {
	z := denialServed(t, true)[0]
	for _, q := range []Query{
		{Name: "ny.example.org.", Type: dns.TypeA, DO: true},   // NXDOMAIN: match, cover, cover
		{Name: "www.example.org.", Type: dns.TypeMX, DO: true}, // NODATA: match
	} {
		once := z.Lookup(context.Background(), q, servedZones{z})
		first := z.Lookup(context.Background(), q, servedZones{z}) // kept: asked before
		second := z.Lookup(context.Background(), q, servedZones{z})
		if len(first.Ns) < 2 || len(first.Ns) != len(second.Ns) || len(once.Ns) != len(first.Ns) {
			t.Fatalf("%s: denials %s; %s", q.Name, show(first), show(second))
		}
		for i := 1; i < len(first.Ns); i++ {
			if first.Ns[i] != second.Ns[i] {
				t.Errorf("%s: NSEC3 %d made again once kept: %v", q.Name, i, first.Ns[i])
			}
			if once.Ns[i].String() != first.Ns[i].String() {
				t.Errorf("%s: NSEC3 %d kept %v, made the first time %v", q.Name, i, first.Ns[i], once.Ns[i])
			}
		}
		soa := z.SOA()
		newSOA := dns.Copy(soa).(*dns.SOA)
		newSOA.Minttl = 60
		nz, _, err := z.Patch([]dns.RR{soa}, []dns.RR{newSOA})
		if err != nil {
			t.Fatal(err)
		}
		after := nz.Lookup(context.Background(), q, servedZones{nz})
		for i := 1; i < len(after.Ns); i++ {
			n3, old := after.Ns[i].(*dns.NSEC3), first.Ns[i].(*dns.NSEC3)
			if n3 == old || n3.Hdr.Ttl != 60 || n3.Hdr.Name != old.Hdr.Name || n3.NextDomain != old.NextDomain {
				t.Errorf("%s after a patch: NSEC3 %d %v (the old version's %v); want the new version's own, TTL 60", q.Name, i, n3, old)
			}
		}
	}
}

// TestDenialNSEC3FloodKeepsNothing: names denied once each keep no lie, and
// do not take the slot of a lie kept before.
func TestDenialNSEC3FloodKeepsNothing(t *testing.T) {
	z := denialServed(t, true)[0]
	hot := Query{Name: "hot.example.org.", Type: dns.TypeA, DO: true}
	z.Lookup(context.Background(), hot, servedZones{z})
	kept := z.Lookup(context.Background(), hot, servedZones{z})
	before := lies.kept()
	for i := range 5000 {
		z.Lookup(context.Background(), Query{Name: fmt.Sprintf("flood%d.example.org.", i), Type: dns.TypeA, DO: true}, servedZones{z})
	}
	if n := lies.kept() - before; n > 0 {
		t.Errorf("a flood of 5,000 names asked once kept %d lies, want none", n)
	}
	again := z.Lookup(context.Background(), hot, servedZones{z})
	for i := 1; i < len(kept.Ns); i++ {
		if again.Ns[i] != kept.Ns[i] {
			t.Errorf("after the flood: NSEC3 %d of the hot name made again: %v", i, again.Ns[i])
		}
	}
}

package diff

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// msg builds an authoritative answer to name/A from zone-file lines, one section after
// another, separated by "--".
func msg(t testing.TB, rcode int, sections ...string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("www.example.org.", dns.TypeA)
	m.Response, m.Authoritative, m.Rcode = true, true, rcode
	dst := []*[]dns.RR{&m.Answer, &m.Ns, &m.Extra}
	for i, sec := range sections {
		for _, line := range strings.Split(sec, "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			rr, err := dns.NewRR(line)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			*dst[i] = append(*dst[i], rr)
		}
	}
	return m
}

const (
	twoA    = "www.example.org. 300 IN A 192.0.2.1\nwww.example.org. 300 IN A 192.0.2.2"
	twoArev = "www.example.org. 300 IN A 192.0.2.2\nwww.example.org. 300 IN A 192.0.2.1"
	ns      = "example.org. 3600 IN NS ns1.example.org."
	glue    = "ns1.example.org. 3600 IN A 192.0.2.53"
)

func kinds(ds []Difference) string {
	var ks []string
	for _, d := range ds {
		ks = append(ks, string(d.Kind))
	}
	return strings.Join(ks, ",")
}

func TestCompare(t *testing.T) {
	soa := "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 10800 3600 604800 300"
	for _, c := range []struct {
		name string
		a, b *dns.Msg
		o    Options
		want string
	}{
		{"same", msg(t, 0, twoA), msg(t, 0, twoA), Options{}, ""},
		{"same records, other order", msg(t, 0, twoA), msg(t, 0, twoArev), Options{}, "order"},
		{"order ignored", msg(t, 0, twoA), msg(t, 0, twoArev), Options{IgnoreOrder: true}, ""},
		{"rcode", msg(t, 0, twoA), msg(t, dns.RcodeNameError, "", soa), Options{}, "rcode,missing,extra"},
		{"missing RRset", msg(t, 0, twoA), msg(t, 0), Options{}, "missing"},
		{"extra RRset", msg(t, 0, twoA), msg(t, 0, twoA+"\nwww.example.org. 300 IN AAAA 2001:db8::1"), Options{}, "extra"},
		{"other data", msg(t, 0, twoA), msg(t, 0, "www.example.org. 300 IN A 192.0.2.1\nwww.example.org. 300 IN A 192.0.2.9"), Options{}, "data"},
		{"ttl", msg(t, 0, twoA), msg(t, 0, strings.ReplaceAll(twoA, "300", "60")), Options{}, "ttl"},
		{"ttl ignored", msg(t, 0, twoA), msg(t, 0, strings.ReplaceAll(twoA, "300", "60")), Options{IgnoreTTL: true}, ""},
		{"owner case is never a difference", msg(t, 0, twoA), msg(t, 0, strings.ReplaceAll(twoA, "www", "WWW")), Options{}, ""},
		{"authority NS on a positive answer", msg(t, 0, twoA), msg(t, 0, twoA, ns, glue), Options{}, "extra,extra"},
		{"authority NS ignored", msg(t, 0, twoA), msg(t, 0, twoA, ns, glue), Options{IgnoreAuthorityNS: true}, ""},
		{"authority NS kept on a referral", msg(t, 0, "", ns), msg(t, 0), Options{IgnoreAuthorityNS: true}, "missing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds := Compare(c.a, c.b, c.o)
			if got := kinds(ds); got != c.want {
				t.Errorf("got %q, want %q: %v", got, c.want, ds)
			}
		})
	}
}

func TestCompareFlagsAndTruncation(t *testing.T) {
	a, b := msg(t, 0, twoA), msg(t, 0, twoA)
	b.Authoritative = false
	b.SetEdns0(1232, false)
	ds := Compare(a, b, Options{})
	if kinds(ds) != "flags" || ds[0].A != "aa" || ds[0].B != "edns" {
		t.Errorf("flags: %v", ds)
	}
	b = msg(t, 0)
	b.Truncated = true
	// The records of a truncated answer are not compared.
	if ds := Compare(a, b, Options{}); kinds(ds) != "truncation" {
		t.Errorf("truncation: %v", ds)
	}
}

func TestCompareCaseInRdata(t *testing.T) {
	a := msg(t, 0, "www.example.org. 300 IN CNAME Web.Example.org.\nwww.example.org. 300 IN TXT \"Hello\"")
	b := msg(t, 0, "www.example.org. 300 IN CNAME web.example.org.\nwww.example.org. 300 IN TXT \"Hello\"")
	if ds := Compare(a, b, Options{}); kinds(ds) != "data" {
		t.Errorf("case in a CNAME target: %v", ds)
	}
	if ds := Compare(a, b, Options{IgnoreCase: true}); len(ds) != 0 {
		t.Errorf("case ignored: %v", ds)
	}
	// Text keeps its case even then.
	c := msg(t, 0, "www.example.org. 300 IN CNAME web.example.org.\nwww.example.org. 300 IN TXT \"hello\"")
	if ds := Compare(a, c, Options{IgnoreCase: true}); kinds(ds) != "data" || !strings.Contains(ds[0].RRset, "TXT") {
		t.Errorf("TXT case: %v", ds)
	}
}

func TestCompareRRSIGTimes(t *testing.T) {
	sig := func(inception, expiration, signature string) string {
		return "www.example.org. 300 IN RRSIG A 13 3 300 " + expiration + " " + inception + " 12345 example.org. " + signature
	}
	a := msg(t, 0, twoA+"\n"+sig("20260101000000", "20260201000000", "AAAA"))
	b := msg(t, 0, twoA+"\n"+sig("20260102000000", "20260202000000", "BBBB"))
	if ds := Compare(a, b, Options{}); kinds(ds) != "data" || !strings.Contains(ds[0].RRset, "RRSIG A") {
		t.Errorf("RRSIG timing: %v", ds)
	}
	if ds := Compare(a, b, Options{IgnoreRRSIGTimes: true}); len(ds) != 0 {
		t.Errorf("RRSIG timing ignored: %v", ds)
	}
	// Another key is still a difference.
	c := msg(t, 0, twoA+"\n"+strings.Replace(sig("20260102000000", "20260202000000", "BBBB"), "12345", "54321", 1))
	if ds := Compare(a, c, Options{IgnoreRRSIGTimes: true}); kinds(ds) != "data" {
		t.Errorf("other key tag: %v", ds)
	}
}

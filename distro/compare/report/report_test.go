package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/distro/compare/diff"
)

func q(name string, qt uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qt)
	return m
}

func nxdomain(name, zone string) *dns.Msg {
	m := q(name, dns.TypeA)
	m.Response, m.Rcode = true, dns.RcodeNameError
	soa, _ := dns.NewRR(zone + " 300 IN SOA ns1." + zone + " h." + zone + " 1 2 3 4 5")
	m.Ns = []dns.RR{soa}
	return m
}

const allowText = `# known
ttl  *              *   PowerDNS default-ttl
data legacy.example.org A  retired on purpose
*    *.example.net  *   example.net moves later
`

func TestAllowList(t *testing.T) {
	al, err := ParseAllowList(strings.NewReader(allowText))
	if err != nil {
		t.Fatal(err)
	}
	ttl := diff.Difference{Kind: diff.TTL}
	data := diff.Difference{Kind: diff.Data}
	for _, c := range []struct {
		name string
		qt   uint16
		ds   []diff.Difference
		ok   bool
	}{
		{"www.example.org.", dns.TypeA, []diff.Difference{ttl}, true},
		{"www.example.org.", dns.TypeA, []diff.Difference{ttl, data}, false}, // one not accepted
		{"LEGACY.example.org.", dns.TypeA, []diff.Difference{data, ttl}, true},
		{"legacy.example.org.", dns.TypeMX, []diff.Difference{data}, false},
		{"example.net.", dns.TypeMX, []diff.Difference{{Kind: diff.Rcode}}, true}, // *.zone holds the apex
		{"a.b.example.net.", dns.TypeMX, []diff.Difference{{Kind: diff.Missing}}, true},
		{"example.com.", dns.TypeMX, []diff.Difference{{Kind: diff.Missing}}, false},
		{"www.example.org.", dns.TypeA, nil, false}, // nothing to accept
	} {
		_, ok := al.Accept(dns.Question{Name: c.name, Qtype: c.qt}, c.ds)
		if ok != c.ok {
			t.Errorf("%s/%d %v: accepted %v, want %v", c.name, c.qt, c.ds, ok, c.ok)
		}
	}
}

func TestAllowListErrors(t *testing.T) {
	for in, want := range map[string]string{
		"ttl * *\n":             "want `kind name type reason`",
		"size * * why\n":        "unknown kind",
		"ttl * BOGUS why\n":     "unknown type",
		"ttl a..b * why\n":      "not a name",
		"# ok\nttl * * ok\nx\n": "line 3",
	} {
		if _, err := ParseAllowList(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

func TestCollector(t *testing.T) {
	al, _ := ParseAllowList(strings.NewReader(allowText))
	c := NewCollector(al, 2, []string{"example.org"})
	missing := []diff.Difference{{Kind: diff.Missing, Section: "answer", RRset: "x A", A: "192.0.2.1", B: "none"}}
	for i := 0; i < 3; i++ {
		c.Add(Outcome{Query: q("www.example.org.", dns.TypeA), Network: "udp", Diffs: missing})
	}
	c.Add(Outcome{Query: q("www.example.org.", dns.TypeA), Network: "udp"})
	c.Add(Outcome{Query: q("www.example.org.", dns.TypeA), Network: "udp", Diffs: []diff.Difference{{Kind: diff.TTL}}})
	c.Add(Outcome{Query: q("a.example.com.", dns.TypeA), Network: "tcp", Err: errors.New("server b: timeout")})
	// Before any answer tells its zone, then placed when a later one does.
	c.Add(Outcome{Query: q("y.late.test.", dns.TypeA), Network: "udp", Diffs: []diff.Difference{{Kind: diff.Missing}}})
	// The zone of a name below a learned SOA.
	c.Add(Outcome{Query: q("x.late.test.", dns.TypeA), A: nxdomain("x.late.test.", "late.test."),
		B: nxdomain("x.late.test.", "late.test."), Diffs: []diff.Difference{{Kind: diff.Rcode}, {Kind: diff.Missing}}})

	s := c.Summary()
	if s.String() != "1 same, 5 different, 1 accepted, 1 errors" || s.Queries != 8 {
		t.Fatalf("summary %q (%d queries)", s, s.Queries)
	}
	r := c.Report()
	if len(r.Kinds) != 2 || r.Kinds[0].Kind != diff.Rcode || r.Kinds[1].Kind != diff.Missing {
		t.Fatalf("kinds %+v", r.Kinds)
	}
	m := r.Kinds[1]
	if m.Answers != 5 || len(m.Examples) != 2 || len(m.Zones) != 2 || m.Zones[0] != (ZoneCount{"example.org.", 3}) || m.Zones[1] != (ZoneCount{"late.test.", 2}) || m.Examples[1].Zone != "late.test." {
		t.Errorf("missing: %+v", m)
	}
	if r.Errors.Answers != 1 || r.Errors.Examples[0].Query != "a.example.com. A +noedns +tcp" || r.Errors.Examples[0].Zone != "unknown" {
		t.Errorf("errors: %+v", r.Errors)
	}
	if len(r.Accepted) != 1 || r.Accepted[0] != (AcceptReport{"PowerDNS default-ttl", 1}) {
		t.Errorf("accepted: %+v", r.Accepted)
	}

	var text, js, page bytes.Buffer
	if err := r.WriteText(&text); err != nil || !strings.HasSuffix(text.String(), r.Line+"\n") || !strings.Contains(text.String(), "missing: 5 answers") {
		t.Errorf("text (%v):\n%s", err, text.String())
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Summary != s || back.Kinds[1].Examples[0].Differences[0].Kind != diff.Missing {
		t.Errorf("JSON does not read back (%v): %s", err, js.String())
	}
	if err := r.WriteHTML(&page); err != nil || !strings.Contains(page.String(), "<h2>missing: 5 answers</h2>") {
		t.Errorf("HTML (%v): %s", err, page.String())
	}
}

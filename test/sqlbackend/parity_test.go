package sqlbackend_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// corpusCase is one query of the parity corpus. rcode -1 leaves the rcode to
// the comparison alone; otherwise the file plugin's answer must have it (and
// AA as given), which keeps the corpus honest: two servers that both fail
// would agree.
type corpusCase struct {
	name  string
	qtype uint16
	net   string
	edns  uint16 // 0: no OPT
	do    bool
	rcode int
	aa    bool
}

func (c corpusCase) String() string {
	s := fmt.Sprintf("%s/%s/%s", c.name, dns.TypeToString[c.qtype], c.net)
	if c.edns > 0 {
		s += fmt.Sprintf("/edns%d", c.edns)
	}
	if c.do {
		s += "/do"
	}
	return s
}

// corpusNames lists the names asked about and what an authoritative server
// answers for them (rcode -1: depends on the type, left to the comparison).
var corpusNames = []struct {
	name  string
	rcode int
	deleg bool // at or below a delegation: referral, AA clear
}{
	{"example.org.", dns.RcodeSuccess, false},
	{"www.example.org.", dns.RcodeSuccess, false},
	{"WwW.ExAmPlE.oRg.", dns.RcodeSuccess, false},
	{"mail.example.org.", dns.RcodeSuccess, false},
	{"ns1.example.org.", dns.RcodeSuccess, false},
	{"web.example.org.", dns.RcodeSuccess, false},
	{"login.example.org.", dns.RcodeSuccess, false},
	{"chain.example.org.", dns.RcodeSuccess, false},
	{"ext.example.org.", dns.RcodeSuccess, false},
	{"loop1.example.org.", -1, false},
	{"dangling.example.org.", -1, false},
	{"nosuch.example.org.", dns.RcodeNameError, false},
	{"deep.nosuch.example.org.", dns.RcodeNameError, false},
	{"a.wild.example.org.", dns.RcodeSuccess, false},
	{"x.y.wild.example.org.", dns.RcodeSuccess, false},
	{"sub.wild.example.org.", dns.RcodeSuccess, false},
	{"foo.sub.wild.example.org.", -1, false},
	{"wild.example.org.", dns.RcodeSuccess, false},
	{"x.cw.example.org.", dns.RcodeSuccess, false},
	{"ent.example.org.", dns.RcodeSuccess, false},
	{"b.ent.example.org.", dns.RcodeSuccess, false},
	{"a.b.ent.example.org.", dns.RcodeSuccess, false},
	{"c.b.ent.example.org.", dns.RcodeNameError, false},
	{"q.ent2.example.org.", dns.RcodeSuccess, false},
	{"y.ent2.example.org.", dns.RcodeSuccess, false},
	{"z.y.ent2.example.org.", -1, false},
	{"_sip._tcp.example.org.", dns.RcodeSuccess, false},
	{"_tcp.example.org.", dns.RcodeSuccess, false},
	{"dkim._domainkey.example.org.", dns.RcodeSuccess, false},
	{"big.example.org.", dns.RcodeSuccess, false},
	{"deleg.example.org.", dns.RcodeSuccess, true},
	{"host.deleg.example.org.", dns.RcodeSuccess, true},
	{"ns1.deleg.example.org.", dns.RcodeSuccess, true},
	{"deleg2.example.org.", dns.RcodeSuccess, true},
	{"alias.example.org.", dns.RcodeSuccess, false},
	{"pool.example.org.", dns.RcodeSuccess, false},
	{"go.example.org.", dns.RcodeSuccess, false},
	{"ptr.example.org.", dns.RcodeSuccess, false},
	{"mixed.example.org.", dns.RcodeSuccess, false},
	{"sub.example.org.", dns.RcodeSuccess, false},
	{"www.sub.example.org.", dns.RcodeSuccess, false},
	{"any.thing.sub.example.org.", dns.RcodeSuccess, false},
	{"example.net.", dns.RcodeSuccess, false},
	{"www.example.net.", dns.RcodeSuccess, false},
	{"lb.example.net.", dns.RcodeSuccess, false},
	{"h1.example.net.", dns.RcodeSuccess, false},
	{"nope.example.net.", dns.RcodeNameError, false},
	{"ent.wild.example.org.", dns.RcodeSuccess, false},
	{"x.ent.wild.example.org.", dns.RcodeNameError, false},
	{"tosub.example.org.", -1, false},
	{"svc.example.org.", dns.RcodeSuccess, false},
	{"svc-host.example.org.", dns.RcodeSuccess, false},
	{"manyns.test.", dns.RcodeSuccess, false},
	{"www.manyns.test.", dns.RcodeSuccess, false},
	{"example.com.", dns.RcodeRefused, false},
	{"www.other.test.", dns.RcodeRefused, false},
	{"org.", dns.RcodeRefused, false},
}

var corpusTypes = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeMX, dns.TypeTXT, dns.TypeNS, dns.TypeSOA, dns.TypeCNAME, dns.TypeDS}

// buildCorpus makes the table: every name with the common types over UDP,
// then special types, TCP, EDNS sizes and the DO bit.
func buildCorpus() []corpusCase {
	var cs []corpusCase
	for _, n := range corpusNames {
		for _, qt := range corpusTypes {
			c := corpusCase{name: n.name, qtype: qt, net: "udp", rcode: n.rcode, aa: n.rcode != dns.RcodeRefused && !n.deleg}
			if n.deleg && qt == dns.TypeDS && n.name == "deleg.example.org." {
				c.aa = true // the parent is authoritative for DS at the cut
			}
			if n.rcode == -1 || (n.deleg && qt == dns.TypeDS) {
				c.rcode = -1
			}
			cs = append(cs, c)
		}
		cs = append(cs,
			corpusCase{name: n.name, qtype: dns.TypeA, net: "tcp", rcode: -1},
			corpusCase{name: n.name, qtype: dns.TypeTXT, net: "udp", edns: 1232, rcode: -1},
			corpusCase{name: n.name, qtype: dns.TypeA, net: "udp", edns: 4096, do: true, rcode: -1},
		)
	}
	for _, s := range []struct {
		name string
		qt   uint16
	}{
		{"alias.example.org.", rrtypes.TypeALIAS}, {"pool.example.org.", rrtypes.TypePOOL}, {"go.example.org.", rrtypes.TypeURL},
		{"_sip._tcp.example.org.", dns.TypeSRV}, {"_sip._udp.example.org.", dns.TypeSRV}, {"example.org.", dns.TypeCAA},
		{"ptr.example.org.", dns.TypePTR}, {"_443._tcp.www.example.net.", dns.TypeTLSA}, {"example.org.", dns.TypeANY},
		{"a.wild.example.org.", dns.TypeANY}, {"dkim._domainkey.example.org.", dns.TypeTXT}, {"big.example.org.", dns.TypeA},
		{"svc.example.org.", dns.TypeHTTPS}, {"tosub.example.org.", dns.TypeHTTPS},
	} {
		for _, net := range []string{"udp", "tcp"} {
			cs = append(cs, corpusCase{name: s.name, qtype: s.qt, net: net, rcode: -1})
		}
		cs = append(cs, corpusCase{name: s.name, qtype: s.qt, net: "udp", edns: 512, rcode: -1})
	}
	return cs
}

// normalize prints a response so that two servers' answers compare equal
// when they are: header, flags and rcode, then each section as a sorted set.
func normalize(m *dns.Msg) string {
	var b strings.Builder
	h := m.MsgHdr
	h.Id = 0
	fmt.Fprintf(&b, "%s aa=%t tc=%t rd=%t ra=%t ad=%t cd=%t qd=%v\n", dns.RcodeToString[h.Rcode], h.Authoritative, h.Truncated,
		h.RecursionDesired, h.RecursionAvailable, h.AuthenticatedData, h.CheckingDisabled, m.Question)
	for i, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		var lines []string
		for _, rr := range sec {
			lines = append(lines, rr.String())
		}
		sort.Strings(lines)
		fmt.Fprintf(&b, "section %d:\n  %s\n", i, strings.Join(lines, "\n  "))
	}
	return b.String()
}

func query(c corpusCase) *dns.Msg {
	m := harness.Query(c.name, c.qtype)
	m.Id = 4242
	if c.edns > 0 {
		harness.WithEDNS(m, c.edns, c.do)
	}
	return m
}

// startFile serves the corpus zones named by origins with the stock file plugin.
func startFile(t *testing.T, origins ...string) *harness.Server {
	dir := t.TempDir()
	var lines []string
	for _, origin := range origins {
		p := harness.WriteFile(t, dir, "db."+origin, corpusZones[origin])
		lines = append(lines, fmt.Sprintf("file %s %s", filepath.ToSlash(p), origin))
	}
	return harness.StartServer(t, ".:0 {\n\t"+strings.Join(lines, "\n\t")+"\n}")
}

// startSQL serves d with sqlbackend and waits for its first load.
func startSQL(t testing.TB, d *testDB, extra ...string) *harness.Server {
	return startSQLAfter(t, "", d, extra...)
}

// startSQLAfter is startSQL with plugins (Corefile lines) before sqlbackend.
func startSQLAfter(t testing.TB, plugins string, d *testDB, extra ...string) *harness.Server {
	s := harness.StartServer(t, ".:0 {\n\t"+plugins+d.corefileBlock(extra...)+"\n}")
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess }, 10*time.Second)
	return s
}

// TestParity runs the corpus on each database. "lazy" runs it with a memory
// bound smaller than the zones: zones are loaded on use and evicted all
// along, and answers stay the same.
func TestParity(t *testing.T) {
	for _, tc := range []struct {
		name  string
		new   func(testing.TB) *testDB
		extra []string
	}{
		{"mariadb", newMariaDB, nil},
		{"postgres", newPostgres, nil},
		{"sqlite", newSQLite, nil},
		{"lazy", newSQLite, []string{"max_records 50"}},
	} {
		t.Run(tc.name, func(t *testing.T) { runParity(t, tc.new(t), tc.extra...) })
	}
}

// runParity runs the whole corpus against the file plugin and against
// sqlbackend loaded with the same zones from d: every answer must be file's, but
// where a listed deviation (deviations_test.go) says what the RFC calls for instead.
func runParity(t *testing.T, d *testDB, extra ...string) {
	setupZones(t, d)
	ref := newFileOracle(t)
	sql := startSQL(t, d, extra...)
	cases := buildCorpus()
	if len(cases) < 150 {
		t.Fatalf("corpus has %d cases, want at least 150", len(cases))
	}
	count := map[string]int{}
	for _, c := range cases {
		file := ref.ask(ref.all, c)
		want := ref.expected(c)
		addr := sql.UDP
		if c.net == "tcp" {
			addr = sql.TCP
		}
		got := harness.Exchange(t, addr, query(c), c.net)
		if c.rcode >= 0 && (file.Rcode != c.rcode || file.Authoritative != c.aa) {
			t.Errorf("%s: file plugin answered rcode %s aa=%t, corpus expects %s aa=%t", c,
				dns.RcodeToString[file.Rcode], file.Authoritative, dns.RcodeToString[c.rcode], c.aa)
		}
		if w, g := normalize(want), normalize(got); w != g {
			t.Errorf("%s: answers differ\nwanted (file's, after the deviations):\n%s\nsqlbackend:\n%s", c, w, g)
		}
		switch {
		case file.Truncated:
			count["truncated"]++
		case file.Rcode == dns.RcodeNameError:
			count["nxdomain"]++
		case file.Rcode == dns.RcodeRefused:
			count["refused"]++
		case !file.Authoritative && len(file.Ns) > 0:
			count["referral"]++
		case len(file.Answer) == 0:
			count["nodata"]++
		}
	}
	// The corpus must cover each kind of answer, or it proves little.
	for _, k := range []string{"truncated", "nxdomain", "refused", "referral", "nodata"} {
		if count[k] < 3 {
			t.Errorf("corpus has %d %s answers, want at least 3", count[k], k)
		}
	}
	ref.logDeviations(t)
	t.Logf("%d queries; kinds: %v", len(cases), count)
}

package answercache_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// variant is how a corpus query is sent: transport and the header and EDNS bits the
// cache's key holds (or, for RD, copies from the request).
type variant struct {
	name   string
	net    string
	edns   uint16 // 0: no OPT
	do, cd bool
	rd     bool
	cookie bool // an EDNS COOKIE option (a client cookie): options are part of the key
}

var variants = []variant{
	{name: "udp", net: "udp"},
	{name: "udp-edns1232", net: "udp", edns: 1232},
	{name: "udp-edns1232-do", net: "udp", edns: 1232, do: true},
	{name: "udp-edns1232-do-cd", net: "udp", edns: 1232, do: true, cd: true},
	{name: "udp-edns512", net: "udp", edns: 512}, // truncates big TXT
	{name: "udp-edns512-do", net: "udp", edns: 512, do: true},
	{name: "udp-rd", net: "udp", rd: true},
	{name: "udp-cookie", net: "udp", edns: 1232, cookie: true},
	{name: "tcp", net: "tcp"},
	{name: "tcp-edns-do", net: "tcp", edns: 1232, do: true},
}

// corpusNames hold one of each kind of answer of testdata/zones.sql; a mixed-case name
// comes after its lower-case form, so its first answer can come from the cache and must
// carry the client's spelling of the question.
var corpusNames = []string{
	"example.org.", "www.example.org.", "WwW.ExAmPlE.oRg.", "WWW.EXAMPLE.ORG.", "mail.example.org.", "ns1.example.org.",
	"web.example.org.", "chain.example.org.", "ext.example.org.", "back.example.net.",
	"nosuch.example.org.", "deep.nosuch.example.org.", "x.wild.example.org.", "X.Wild.Example.Org.", "wild.example.org.",
	"b.example.org.", "a.b.example.org.", "deleg.example.org.", "host.deleg.example.org.",
	"big.example.org.", "example.net.", "www.example.net.", "nope.example.net.", "www.other.test.", "org.",
	// Escapes in the question: a dot and a space inside a label, in two spellings.
	`a\.b.wild.example.org.`, `A\.B.wild.example.org.`, `sp\032ace.wild.example.org.`, `SP\032ACE.wild.example.org.`,
}

var corpusTypes = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeMX, dns.TypeNS, dns.TypeSOA, dns.TypeTXT, dns.TypeCNAME}

func (v variant) query(name string, qt uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qt)
	m.Id = dns.Id()
	m.RecursionDesired = v.rd
	m.CheckingDisabled = v.cd
	if v.edns > 0 {
		m.SetEdns0(v.edns, v.do)
		if v.cookie {
			opt := m.IsEdns0()
			opt.Option = append(opt.Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"})
		}
	}
	return m
}

// TestParity asks every corpus query of every variant three times of a server with the
// cache and once of the same server block without it: all answers must be the uncached
// one, header, question and every section. The cached server's three answers must also be
// the same bytes but for the ID, the chain's first answer and the cache's copies alike.
// With admission off the 2nd and 3rd answers come from the cache, with admission on (the
// default) the 3rd; coredns_answercache_hits_total must count them. Answers with another
// rcode (REFUSED) must never come from the cache.
func TestParity(t *testing.T) {
	for _, adm := range []string{"on", "off"} {
		t.Run("admission-"+adm, func(t *testing.T) {
			m := newDB(t)
			ref := start(t, sqlBlock(m.DSN))
			cached := start(t, sqlBlock(otherNode(m.DSN), "answercache {\n\t\tadmission "+adm+"\n\t}"))
			wantHits := 2
			if adm == "on" {
				wantHits = 1
			}
			runParity(t, ref.UDP, ref.TCP, cached.UDP, cached.TCP, wantHits)
		})
	}
}

// key is what the cache's key holds of a corpus query: the name case-folded (a name with \
// escapes as sent: the cache keys it exactly and never patches its case), the type, the
// transport and the EDNS bits and options, not RD.
func (v variant) key(name string, qt uint16) string {
	if !strings.Contains(name, `\`) {
		name = strings.ToLower(name)
	}
	return fmt.Sprintf("%s/%d/%s/%d/%t/%t/%t", name, qt, v.net, v.edns, v.do, v.cd, v.cookie)
}

func runParity(t *testing.T, refUDP, refTCP, acUDP, acTCP string, wantHits int) {
	var cases, cacheable, late, wrong int
	asked := map[string]bool{}
	for _, v := range variants {
		for _, name := range corpusNames {
			for _, qt := range corpusTypes {
				cases++
				refAddr, acAddr := refUDP, acUDP
				if v.net == "tcp" {
					refAddr, acAddr = refTCP, acTCP
				}
				q := v.query(name, qt)
				want := rawExchange(t, refAddr, v.net, q)
				what := fmt.Sprintf("%s %s %s", name, dns.TypeToString[qt], v.name)
				rc := int(want[3] & 0xf)
				before := hits(t)
				askThrice(t, what, acAddr, v.net, q, want)
				got := int(hits(t) - before)
				key := v.key(name, qt)
				if rc != dns.RcodeSuccess && rc != dns.RcodeNameError {
					// Any other rcode never comes from the cache.
					if got != 0 {
						wrong++
						t.Errorf("%s (%s): %d of 3 answers from the cache, want none", what, dns.RcodeToString[rc], got)
					}
					continue
				}
				cacheable++
				// From the cache as often as admission allows, or all three times when an
				// earlier case (RD set, another spelling of the name) had the same key.
				exp := wantHits
				if asked[key] {
					exp = 3
				}
				asked[key] = true
				switch {
				case got > exp:
					wrong++
					t.Errorf("%s (%s): %d of 3 answers from the cache, want %d", what, dns.RcodeToString[rc], got, exp)
				case got < exp:
					// The answer is stored after it was sent: a client as fast as this
					// one can ask again before the store. It must be a hit soon after.
					late++
					if !hitWithin(t, what, acAddr, v.net, q, want, 10) {
						wrong++
						t.Errorf("%s (%s): %d of 3 answers from the cache (want %d), and none of 10 more", what, dns.RcodeToString[rc], got, exp)
					}
				}
			}
		}
	}
	t.Logf("%d cases, %d with a NOERROR/NXDOMAIN answer, %d stored only after the next identical query came in, %d wrong", cases, cacheable, late, wrong)
}

// hitWithin asks q up to n times until an answer comes from the cache; every answer must
// still be want.
func hitWithin(t *testing.T, what, addr, network string, q *dns.Msg, want []byte, n int) bool {
	t.Helper()
	for i := 0; i < n; i++ {
		before := hits(t)
		q.Id = dns.Id()
		sameAnswer(t, what+", asked again", rawExchange(t, addr, network, q), want)
		if hits(t) > before {
			return true
		}
	}
	return false
}

// askThrice asks q of the cached server three times, each with a new ID: every answer must
// carry its query's ID, be the reference answer want, and be the first answer's bytes.
func askThrice(t *testing.T, what, addr, network string, q *dns.Msg, want []byte) {
	t.Helper()
	var first []byte
	for i := 0; i < 3; i++ {
		q.Id = dns.Id()
		got := rawExchange(t, addr, network, q)
		if id := binary.BigEndian.Uint16(got); id != q.Id {
			t.Errorf("%s, ask %d: id %d, want the query's %d", what, i+1, id, q.Id)
		}
		sameAnswer(t, fmt.Sprintf("%s, ask %d", what, i+1), got, want)
		switch {
		case i == 0:
			first = got
		case bytes.Equal(got[2:], first[2:]):
		default:
			t.Errorf("%s, ask %d: bytes differ from the first answer's\nfirst: %x\ngot:   %x", what, i+1, first, got)
		}
	}
}

// sameAnswer compares two packed answers as a client reads them: rcode, opcode, every
// header flag, the question as sent (its case included) and each section as a multiset of
// records (text, TTL included; the OPT record with its options).
func sameAnswer(t *testing.T, what string, gotRaw, wantRaw []byte) {
	t.Helper()
	got, want := new(dns.Msg), new(dns.Msg)
	if err := got.Unpack(gotRaw); err != nil {
		t.Errorf("%s: cached server's answer does not unpack: %v", what, err)
		return
	}
	if err := want.Unpack(wantRaw); err != nil {
		t.Fatalf("%s: reference answer does not unpack: %v", what, err)
	}
	var diffs []string
	h := func(m *dns.Msg) string {
		return fmt.Sprintf("rcode=%s opcode=%d qr=%t aa=%t tc=%t rd=%t ra=%t z=%t ad=%t cd=%t", dns.RcodeToString[m.Rcode], m.Opcode,
			m.Response, m.Authoritative, m.Truncated, m.RecursionDesired, m.RecursionAvailable, m.Zero, m.AuthenticatedData, m.CheckingDisabled)
	}
	if h(got) != h(want) {
		diffs = append(diffs, "header "+h(got)+", want "+h(want))
	}
	if fmt.Sprint(got.Question) != fmt.Sprint(want.Question) {
		diffs = append(diffs, fmt.Sprintf("question %v, want %v", got.Question, want.Question))
	}
	for _, sec := range []struct {
		name      string
		got, want []dns.RR
	}{{"answer", got.Answer, want.Answer}, {"authority", got.Ns, want.Ns}, {"additional", got.Extra, want.Extra}} {
		if g, w := rrSet(sec.got), rrSet(sec.want); !slices.Equal(g, w) {
			diffs = append(diffs, fmt.Sprintf("%s section:\n    %s\n  want:\n    %s", sec.name, strings.Join(g, "\n    "), strings.Join(w, "\n    ")))
		}
	}
	if len(diffs) > 0 {
		t.Errorf("%s differs from the server without the cache:\n  %s", what, strings.Join(diffs, "\n  "))
	}
}

func rrSet(rrs []dns.RR) []string {
	s := make([]string, len(rrs))
	for i, rr := range rrs {
		s[i] = strings.Join(strings.Fields(rr.String()), " ")
	}
	slices.Sort(s)
	return s
}

// rawExchange sends q to addr over network and returns the answer's bytes as they came,
// so that a cache hit can be compared byte for byte with the chain's answer.
func rawExchange(t *testing.T, addr, network string, q *dns.Msg) []byte {
	t.Helper()
	out, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if network == "tcp" {
		out = append(binary.BigEndian.AppendUint16(nil, uint16(len(out))), out...)
	}
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	if network == "tcp" {
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			t.Fatalf("%s to %s: %v", network, addr, err)
		}
		b := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatalf("%s to %s: %v", network, addr, err)
		}
		return b
	}
	b := make([]byte, 65535)
	n, err := c.Read(b)
	if err != nil {
		t.Fatalf("%s to %s: %v", network, addr, err)
	}
	return b[:n]
}

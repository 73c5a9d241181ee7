package flatten

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/hostdns/hostdns/plugin/pkg/rrtypes" // ALIAS, POOL, URL in zone text

	"github.com/miekg/dns"
)

const origin = "example.org."

// parse reads zone text (origin example.org.) into records.
func parse(t testing.TB, text string) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "test")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("zone text: %v", err)
	}
	return rrs
}

const head = `
@ 3600 IN SOA ns1 host 1 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
`

// chain is a fake of the chain below: it answers from a table and counts questions.
type chain struct {
	mu      sync.Mutex
	answers map[string]*dns.Msg // by "name TYPE"
	asked   []string
	fail    bool // answer SERVFAIL to everything
}

func newChain() *chain { return &chain{answers: map[string]*dns.Msg{}} }

// set makes the chain answer name/qtype with rcode and the records of text.
func (c *chain) set(t testing.TB, name string, qtype uint16, rcode int, text string) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.Response, m.Authoritative, m.Rcode = true, true, rcode
	if text != "" {
		m.Answer = parse(t, text)
	}
	c.mu.Lock()
	c.answers[name+" "+dns.TypeToString[qtype]] = m
	c.mu.Unlock()
}

func (c *chain) lookup(_ context.Context, name string, qtype uint16) *dns.Msg {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := name + " " + dns.TypeToString[qtype]
	c.asked = append(c.asked, q)
	if c.fail {
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		m.Rcode = dns.RcodeServerFailure
		return m
	}
	if m, ok := c.answers[q]; ok {
		return m.Copy()
	}
	m := new(dns.Msg) // NODATA
	m.SetQuestion(name, qtype)
	m.Response, m.Authoritative = true, true
	return m
}

func (c *chain) questions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.asked
	c.asked = nil
	return q
}

// clock is a settable Options.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

// texts returns rrs in presentation format.
func texts(rrs []dns.RR) []string {
	s := make([]string, len(rrs))
	for i, rr := range rrs {
		s[i] = rr.String()
	}
	return s
}

func equalTexts(t testing.TB, what string, got []dns.RR, want []string) {
	t.Helper()
	g := texts(got)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\ngot\n%s\nwant\n%s", what, strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
}

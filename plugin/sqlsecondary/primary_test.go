package sqlsecondary

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testPrimary is a real primary on loopback TCP, served by miekg/dns: it
// answers SOA, AXFR and IXFR for one zone from zone text, keeps every
// version it had so it can answer IXFR from any of them, and can be told to
// misbehave in the ways a bad primary does.
type testPrimary struct {
	t      testing.TB
	zone   string
	server *dns.Server
	addr   string

	mu       sync.Mutex
	versions map[uint32][]dns.RR
	serial   uint32
	mode     string         // "" serves; else a misbehaviour, see serve
	key      *[2]string     // name, secret: requests must be signed
	gate     chan struct{}  // when set, AXFR waits for it to close
	asked    map[uint16]int // requests by qtype
	extra    []dns.RR       // appended to the next transfers (out of zone)
	started  chan struct{}  // a transfer started
}

func newPrimary(t testing.TB, zone, text string) *testPrimary {
	t.Helper()
	p := &testPrimary{t: t, zone: zone, versions: map[uint32][]dns.RR{}, asked: map[uint16]int{}, started: make(chan struct{}, 100)}
	p.set(text)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.server = &dns.Server{Listener: ln, Net: "tcp", Handler: p, TsigSecret: map[string]string{}}
	up := make(chan struct{})
	p.server.NotifyStartedFunc = func() { close(up) }
	go p.server.ActivateAndServe()
	<-up
	t.Cleanup(func() { p.server.Shutdown() })
	return p
}

// withKey makes the primary refuse requests not signed with name/secret.
func (p *testPrimary) withKey(name, secret string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.key = &[2]string{name, secret}
	p.server.TsigSecret[name] = secret
}

// set makes text (zone-file syntax, origin p.zone) the zone's new version.
func (p *testPrimary) set(text string) {
	p.t.Helper()
	var rrs []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(text), p.zone, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		p.t.Fatal(err)
	}
	soa := rrs[0].(*dns.SOA)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.versions[soa.Serial] = rrs
	p.serial = soa.Serial
}

func (p *testPrimary) setMode(m string) {
	p.mu.Lock()
	p.mode = m
	p.mu.Unlock()
}

func (p *testPrimary) setExtra(rrs ...dns.RR) {
	p.mu.Lock()
	p.extra = rrs
	p.mu.Unlock()
}

func (p *testPrimary) count(qtype uint16) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.asked[qtype]
}

func (p *testPrimary) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	p.mu.Lock()
	q := r.Question[0]
	p.asked[q.Qtype]++
	mode, cur, gate := p.mode, p.versions[p.serial], p.gate
	var old []dns.RR
	if q.Qtype == dns.TypeIXFR && len(r.Ns) == 1 {
		if soa, ok := r.Ns[0].(*dns.SOA); ok {
			old = p.versions[soa.Serial]
		}
	}
	signed := p.key == nil || (r.IsTsig() != nil && w.TsigStatus() == nil)
	extra := p.extra
	p.mu.Unlock()

	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	if r.IsTsig() != nil && p.key != nil {
		m.SetTsig(p.key[0], dns.HmacSHA256, 300, time.Now().Unix())
	}
	switch {
	case !signed:
		m.Rcode = dns.RcodeNotAuth
		w.WriteMsg(m)
		return
	case mode == "refuse", mode == "refuse-ixfr" && q.Qtype == dns.TypeIXFR:
		m.Rcode = dns.RcodeRefused
		w.WriteMsg(m)
		return
	case mode == "notauth":
		m.Rcode = dns.RcodeNotAuth
		w.WriteMsg(m)
		return
	case mode == "silent" && q.Qtype != dns.TypeSOA:
		time.Sleep(3 * time.Second) // a primary that never answers the transfer
		return
	}
	if q.Qtype == dns.TypeSOA {
		m.Answer = []dns.RR{cur[0]}
		w.WriteMsg(m)
		return
	}
	if q.Qtype == dns.TypeNS { // autosecondary asks which name servers the zone has
		for _, rr := range cur {
			if rr.Header().Rrtype == dns.TypeNS {
				m.Answer = append(m.Answer, rr)
			}
		}
		w.WriteMsg(m)
		return
	}
	p.started <- struct{}{}
	if gate != nil {
		<-gate
	}
	var rrs []dns.RR
	if q.Qtype == dns.TypeIXFR && old != nil {
		rrs = ixfrBody(old, cur)
		if len(extra) > 0 {
			rrs = append(append(rrs[:len(rrs)-1:len(rrs)-1], extra...), cur[0])
		}
	} else {
		rrs = append(append(append([]dns.RR{}, cur...), extra...), cur[0])
	}
	switch mode {
	case "malformed":
		rrs = rrs[:len(rrs)-1] // no closing SOA, then the end of the stream
	case "unsigned-xfr":
		r = r.Copy()
		r.Extra = nil // the answer goes unsigned
	}
	p.send(w, r, rrs)
}

// send writes rrs as a transfer, 50 records a message.
func (p *testPrimary) send(w dns.ResponseWriter, r *dns.Msg, rrs []dns.RR) {
	ch := make(chan *dns.Envelope)
	tr := new(dns.Transfer)
	done := make(chan struct{})
	go func() {
		tr.Out(w, r, ch)
		close(done)
	}()
	for len(rrs) > 0 {
		n := min(50, len(rrs))
		ch <- &dns.Envelope{RR: rrs[:n]}
		rrs = rrs[n:]
	}
	close(ch)
	<-done
	w.Close()
}

// ixfrBody is the IXFR answer from old to cur: one difference sequence.
func ixfrBody(old, cur []dns.RR) []dns.RR {
	in := func(rr dns.RR, set []dns.RR) bool {
		for _, x := range set {
			if dns.IsDuplicate(rr, x) && rr.Header().Ttl == x.Header().Ttl {
				return true
			}
		}
		return false
	}
	out := []dns.RR{cur[0], old[0]}
	for _, rr := range old[1:] {
		if !in(rr, cur) {
			out = append(out, rr)
		}
	}
	out = append(out, cur[0])
	for _, rr := range cur[1:] {
		if !in(rr, old) {
			out = append(out, rr)
		}
	}
	return append(out, cur[0])
}

// zoneText is a small zone at serial with a changing address.
func zoneText(serial uint32, www string) string {
	return fmt.Sprintf(`@ 3600 IN SOA ns1.example.org. hostmaster.example.org. %d 3600 600 86400 300
@ 3600 IN NS ns1.example.org.
@ 3600 IN MX 10 mail.example.org.
_sip._tcp 300 IN SRV 10 20 5060 sip.example.org.
@ 300 IN TXT "v=spf1 -all"
ns1 3600 IN A 192.0.2.53
www 300 IN A %s
`, serial, www)
}

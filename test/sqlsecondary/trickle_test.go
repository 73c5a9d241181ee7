package sqlsecondary

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// tricklePrimary is a primary written for the test: it answers SOA queries, and answers
// the FIRST transfer of its zone with half of the records at once and then one message
// every 200 ms for as long as the client reads (a primary that trickles: never idle long
// enough for a read timeout), and every later transfer whole and at once. It counts
// transfers, and the most it ever served at the same time.
type tricklePrimary struct {
	addr    string
	zone    string
	records []dns.RR // SOA first, not repeated at the end
	started chan struct{}

	mu             sync.Mutex
	transfers      int
	active, maxAct int
	completed      int
}

func startTricklePrimary(t testing.TB, zone string, n int) *tricklePrimary {
	t.Helper()
	p := &tricklePrimary{zone: dns.Fqdn(zone), started: make(chan struct{})}
	soa, _ := dns.NewRR(fmt.Sprintf("%s 3600 IN SOA ns1.%s hostmaster.%s 5 3600 600 1209600 300", p.zone, p.zone, p.zone))
	ns, _ := dns.NewRR(fmt.Sprintf("%s 3600 IN NS ns1.%s", p.zone, p.zone))
	glue, _ := dns.NewRR(fmt.Sprintf("ns1.%s 3600 IN A 192.0.2.53", p.zone))
	p.records = []dns.RR{soa, ns, glue}
	for i := range n {
		rr, _ := dns.NewRR(fmt.Sprintf("host%d.%s 300 IN TXT \"record %d of a zone big enough to take a while\"", i, p.zone, i))
		p.records = append(p.records, rr)
	}
	port := harness.FreePort(t)
	p.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for _, network := range []string{"udp", "tcp"} {
		srv := &dns.Server{Addr: p.addr, Net: network, Handler: p}
		up := make(chan error, 1)
		srv.NotifyStartedFunc = func() { up <- nil }
		go func() { up <- srv.ListenAndServe() }()
		if err := <-up; err != nil {
			t.Fatalf("trickle primary %s: %v", network, err)
		}
		t.Cleanup(func() { srv.Shutdown() })
	}
	return p
}

func (p *tricklePrimary) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if len(r.Question) != 1 || r.Question[0].Name != p.zone {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeRefused)
		w.WriteMsg(m)
		return
	}
	switch r.Question[0].Qtype {
	case dns.TypeAXFR, dns.TypeIXFR:
		p.transfer(w, r)
	default:
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		if r.Question[0].Qtype == dns.TypeSOA {
			m.Answer = []dns.RR{p.records[0]}
		}
		w.WriteMsg(m)
	}
}

// transfer answers AXFR (and IXFR, AXFR-style) in messages of 100 records.
func (p *tricklePrimary) transfer(w dns.ResponseWriter, r *dns.Msg) {
	p.mu.Lock()
	p.transfers++
	first := p.transfers == 1
	p.active++
	p.maxAct = max(p.maxAct, p.active)
	p.mu.Unlock()
	defer func() { p.mu.Lock(); p.active--; p.mu.Unlock() }()

	all := append(append([]dns.RR{}, p.records...), p.records[0])
	var chunks [][]dns.RR
	for i := 0; i < len(all); i += 100 {
		chunks = append(chunks, all[i:min(i+100, len(all))])
	}
	for i, c := range chunks {
		if first && i == len(chunks)/2 {
			close(p.started)
		}
		if first && i >= len(chunks)/2 {
			time.Sleep(200 * time.Millisecond)
		}
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		m.Answer = c
		if err := w.WriteMsg(m); err != nil {
			return // the client is gone
		}
	}
	p.mu.Lock()
	p.completed++
	p.mu.Unlock()
}

func (p *tricklePrimary) stats() (transfers, completed, maxActive int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.transfers, p.completed, p.maxAct
}

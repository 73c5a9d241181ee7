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

// badPrimary is a primary written for the test that misbehaves as told: it serves
// example.org at a serial, and its transfers as the mode says.
type badPrimary struct {
	addr string
	mu   sync.Mutex
	mode string // good, outside, backwards, toolarge, refused, trickle
	base uint32 // the serial of mode "good"
}

func startBadPrimary(t *testing.T) *badPrimary {
	t.Helper()
	p := &badPrimary{mode: "good", base: 10}
	p.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(harness.FreePort(t)))
	for _, network := range []string{"udp", "tcp"} {
		srv := &dns.Server{Addr: p.addr, Net: network, Handler: p}
		up := make(chan error, 1)
		srv.NotifyStartedFunc = func() { up <- nil }
		go func() { up <- srv.ListenAndServe() }()
		if err := <-up; err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Shutdown() })
	}
	return p
}

func (p *badPrimary) set(mode string, base uint32) {
	p.mu.Lock()
	p.mode, p.base = mode, base
	p.mu.Unlock()
}

func mustRR(s string) dns.RR {
	rr, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return rr
}

// zone returns the SOA serial the mode announces and the records of its AXFR.
func (p *badPrimary) zone() (string, []dns.RR) {
	p.mu.Lock()
	mode, serial := p.mode, p.base
	p.mu.Unlock()
	switch mode {
	case "backwards":
		serial--
	case "good":
	default:
		serial++
	}
	soa := mustRR(fmt.Sprintf("example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. %d 3600 600 1209600 300", serial))
	rrs := []dns.RR{soa, mustRR("example.org. 3600 IN NS ns1.example.org."), mustRR("ns1.example.org. 3600 IN A 192.0.2.53"),
		mustRR(fmt.Sprintf(`txt.example.org. 300 IN TXT "serial %d"`, serial))}
	switch mode {
	case "outside":
		rrs = append(rrs, mustRR("evil.example.net. 300 IN A 192.0.2.66"))
	case "toolarge":
		for i := range 100 {
			rrs = append(rrs, mustRR(fmt.Sprintf("h%d.example.org. 300 IN A 192.0.2.%d", i, i+1)))
		}
	}
	return mode, append(rrs, soa)
}

func (p *badPrimary) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	mode, rrs := p.zone()
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	if len(r.Question) != 1 || r.Question[0].Name != "example.org." {
		m.Rcode = dns.RcodeRefused
		w.WriteMsg(m)
		return
	}
	switch qt := r.Question[0].Qtype; {
	case qt == dns.TypeSOA:
		m.Answer = rrs[:1]
	case qt != dns.TypeAXFR && qt != dns.TypeIXFR:
	case mode == "refused":
		m.Rcode = dns.RcodeRefused
	case mode == "trickle":
		// One record a second, for ever: only the transfer's own timeout ends it.
		for _, rr := range rrs {
			m.Answer = []dns.RR{rr}
			if w.WriteMsg(m) != nil {
				return
			}
			time.Sleep(time.Second)
		}
		for {
			m.Answer = []dns.RR{rrs[1]}
			if w.WriteMsg(m) != nil {
				return
			}
			time.Sleep(time.Second)
		}
	default:
		m.Answer = rrs
	}
	w.WriteMsg(m)
}

// failures sums coredns_sqlsecondary_transfers_total samples whose result is reason, in
// this process's registry (the in-process nodes').
func failures(t *testing.T, reason string) float64 {
	t.Helper()
	return harness.MetricSumWhere(t, "coredns_sqlsecondary_transfers_total", map[string]string{"result": reason})
}

// TestBadPrimary: a primary that times out (trickling one record a second), refuses, sends
// records outside the zone, more than max_records, or a serial behind ours: each attempt,
// set off by its NOTIFY, is counted by its reason, and the last good copy keeps being
// served, its rows untouched. Then the primary behaves and the next NOTIFY brings the new
// serial.
func TestBadPrimary(t *testing.T) {
	db := newMariaDB(t)
	p := startBadPrimary(t)
	n := startNode(t, db, "node-a", 0, "max_records 50", "timeout 3s")
	id := db.addSlave(t, exampleZone, p.addr)
	waitSerial(t, n.addr, exampleZone, 10)
	rows := db.records(t, id)

	for _, c := range []struct{ mode, reason string }{
		{"refused", "refused"}, {"outside", "out_of_zone"}, {"toolarge", "too_large"},
		{"backwards", "serial_backwards"}, {"trickle", "timeout"},
	} {
		before := failures(t, c.reason)
		p.set(c.mode, 10)
		harness.Eventually(t, waitLimit, c.mode+" primary counted as "+c.reason, func() bool {
			notifyFrom(t, "127.0.0.1", n.addr, exampleZone)
			return failures(t, c.reason) > before
		})
		harness.AssertResponse(t, harness.Exchange(t, n.addr, harness.Query("txt.example.org.", dns.TypeTXT), "udp"), harness.Response{
			Authoritative: true,
			Answer:        []string{`txt.example.org. 300 IN TXT "serial 10"`},
			Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
		})
		if got := db.records(t, id); got != rows {
			t.Errorf("after the %s primary: %d rows, want the last good copy's %d", c.mode, got, rows)
		}
	}

	p.set("good", 12)
	harness.Eventually(t, waitLimit, "the good primary's serial 12", func() bool {
		notifyFrom(t, "127.0.0.1", n.addr, exampleZone)
		m := harness.Exchange(t, n.addr, harness.Query(exampleZone, dns.TypeSOA), "udp")
		soa, ok := m.Answer[0].(*dns.SOA)
		return len(m.Answer) == 1 && ok && soa.Serial == 12
	})
}

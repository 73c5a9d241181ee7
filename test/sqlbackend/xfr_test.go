package sqlbackend_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// notifyReceiver is a secondary's NOTIFY listener on loopback.
type notifyReceiver struct {
	Addr string
	got  chan string
}

func newNotifyReceiver(t *testing.T) *notifyReceiver {
	r := &notifyReceiver{got: make(chan string, 100)}
	srv := &dns.Server{Addr: "127.0.0.1:0", Net: "udp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) {
		if m.Opcode == dns.OpcodeNotify && len(m.Question) == 1 {
			r.got <- m.Question[0].Name
		}
		resp := new(dns.Msg)
		resp.SetReply(m)
		resp.Authoritative = true
		w.WriteMsg(resp)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ListenAndServe()
	<-started
	r.Addr = srv.PacketConn.LocalAddr().String()
	t.Cleanup(func() { srv.Shutdown() })
	return r
}

// wait returns when a NOTIFY for zone arrives, failing after limit.
func (r *notifyReceiver) wait(t *testing.T, zone string, limit time.Duration) {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case z := <-r.got:
			if z == zone {
				return
			}
		case <-deadline:
			t.Fatalf("no NOTIFY for %s within %s", zone, limit)
		}
	}
}

func rrStrings(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		out = append(out, rr.String())
	}
	sort.Strings(out)
	return out
}

// TestTransfer serves AXFR of SQL zones through the stock transfer plugin,
// the same records as the file plugin transfers for the same zone, special
// types raw, and sends NOTIFY when a zone changes.
func TestTransfer(t *testing.T) {
	d := newMariaDB(t)
	setupZones(t, d)
	rcv := newNotifyReceiver(t)
	s := harness.StartServer(t, fmt.Sprintf(".:0 {\n\ttransfer {\n\t\tto %s\n\t}\n\t%s\n}", rcv.Addr, d.corefileBlock()))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 10*time.Second)

	ref := harness.StartServer(t, fmt.Sprintf("example.org:0 {\n\ttransfer {\n\t\tto *\n\t}\n\tfile %s\n}",
		harness.WriteFile(t, t.TempDir(), "db.example.org", corpusZones["example.org."])))
	want := harness.AXFR(t, ref.TCP, "example.org.")
	got := harness.AXFR(t, s.TCP, "example.org.")
	if len(got) < 3 || got[0].Header().Rrtype != dns.TypeSOA || got[len(got)-1].Header().Rrtype != dns.TypeSOA {
		t.Fatalf("AXFR does not start and end with the SOA: %v", got)
	}
	w, g := rrStrings(want), rrStrings(got)
	if fmt.Sprint(w) != fmt.Sprint(g) {
		t.Errorf("AXFR differs from the file plugin's\nfile: %d records\nsqlbackend: %d records\n%v\n%v", len(w), len(g), w, g)
	}
	var special int
	for _, rr := range got {
		if _, ok := rr.(*dns.PrivateRR); ok {
			special++
		}
	}
	if special != 4 { // ALIAS, 2 POOL, URL
		t.Errorf("AXFR has %d ALIAS/POOL/URL records, want 4", special)
	}

	// A zone we do not serve is not transferred.
	m := new(dns.Msg)
	m.SetAxfr("example.com.")
	if resp := harness.Exchange(t, s.TCP, m, "tcp"); resp.Rcode == dns.RcodeSuccess && len(resp.Answer) > 0 {
		t.Errorf("AXFR of a zone not served: %v", resp)
	}

	d.exec(t, `UPDATE records SET content = 'ns1.example.org hostmaster.example.org 2026112102 7200 3600 1209600 300' WHERE type = 'SOA' AND name = 'example.org'`)
	rcv.wait(t, "example.org.", time.Second)
	got = harness.AXFR(t, s.TCP, "example.org.")
	if soa, ok := got[0].(*dns.SOA); !ok || soa.Serial != 2026112102 {
		t.Errorf("AXFR after the change starts with %v, want serial 2026112102", got[0])
	}
}

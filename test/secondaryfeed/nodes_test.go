package secondaryfeed_test

import (
	"fmt"
	"net"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

const smallZone = zoneHead + "txt 300 IN TXT \"v1\"\n"

// TestRedisNodesFeedTheSame: two servers (two nodes) on one Redis prefix feed
// byte-identical zones with the same serials, before and after a SQL change that did not
// bump the SQL serial, and serve the same IXFR.
func TestRedisNodesFeedTheSame(t *testing.T) {
	r := harness.NewRedis(t)
	db := newSQLite(t)
	db.load(t, 1, "example.org.", smallZone)
	corefile := fmt.Sprintf("example.org:0 {\n\tsecondaryfeed {\n\t\tredis %s %s\n\t\tallow 127.0.0.1\n\t}\n\t%s\n}", r.Addr, r.Prefix, db.block())
	a, b := harness.StartServer(t, corefile), harness.StartServer(t, corefile)
	for _, s := range []*harness.Server{a, b} {
		waitFed(t, s.UDP, "example.org.", 2026120601)
	}
	q := dns.Question{Name: "example.org.", Qtype: dns.TypeAXFR, Qclass: dns.ClassINET}
	if ga, gb := answers(t, xfr(t, a.TCP, axfrQuery("example.org.")), q), answers(t, xfr(t, b.TCP, axfrQuery("example.org.")), q); !slices.Equal(ga, gb) {
		t.Errorf("AXFRs differ:\n%q\n%q", ga, gb)
	}

	db.exec(t, `UPDATE records SET content = '"v2"' WHERE name = 'txt.example.org'`)
	for _, s := range []*harness.Server{a, b} {
		waitFed(t, s.UDP, "example.org.", 2026120602)
	}
	iq := dns.Question{Name: "example.org.", Qtype: dns.TypeIXFR, Qclass: dns.ClassINET}
	want := []string{soaText(2026120602), soaText(2026120601), "txt.example.org.\t300\tIN\tTXT\t\"v1\"",
		soaText(2026120602), "txt.example.org.\t300\tIN\tTXT\t\"v2\"", soaText(2026120602)}
	for name, s := range map[string]*harness.Server{"a": a, "b": b} {
		if got := answers(t, xfr(t, s.TCP, ixfrQuery("example.org.", 2026120601)), iq); !slices.Equal(got, want) {
			t.Errorf("node %s IXFR:\n%q\nwant\n%q", name, got, want)
		}
	}

	// A restarted node (a new server on the same Redis) serves the journal it never built.
	a.Stop()
	c := harness.StartServer(t, corefile)
	waitFed(t, c.UDP, "example.org.", 2026120602)
	if got := answers(t, xfr(t, c.TCP, ixfrQuery("example.org.", 2026120601)), iq); !slices.Equal(got, want) {
		t.Errorf("restarted node IXFR:\n%q\nwant\n%q", got, want)
	}
}

// TestNotifyAndReload: a new fed serial sends NOTIFY with the new SOA in the answer
// section; reloads keep the fed serial (the memory journal outlives them) and leave no
// goroutines behind.
func TestNotifyAndReload(t *testing.T) {
	db := newSQLite(t)
	db.load(t, 1, "example.org.", smallZone)
	rcv := newNotifyReceiver(t)
	corefile := fmt.Sprintf("example.org:0 {\n\tsecondaryfeed {\n\t\tallow 127.0.0.1\n\t\tto %s\n\t\tpoll 100ms\n\t}\n\t%s\n}", rcv.addr, db.block())
	s := harness.StartServer(t, corefile)
	waitFed(t, s.UDP, "example.org.", 2026120601)
	rcv.wait(t, 2026120601)

	db.exec(t, `UPDATE records SET content = '"v2"' WHERE name = 'txt.example.org'`)
	waitFed(t, s.UDP, "example.org.", 2026120602)
	rcv.wait(t, 2026120602)

	inst := s.Instance
	base := runtime.NumGoroutine()
	for i := range 4 {
		next, err := inst.Restart(caddy.CaddyfileInput{Contents: []byte(corefile), Filepath: "Corefile", ServerTypeName: "dns"})
		if err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		inst = next
	}
	s.Instance = inst
	_, port, _ := net.SplitHostPort(inst.Servers()[0].LocalAddr().String())
	addr := net.JoinHostPort("127.0.0.1", port) // the listener is on every address; allow has 127.0.0.1
	// The fed serial stays: the SQL serial is 2026120601, the fed one 2026120602.
	waitFed(t, addr, "example.org.", 2026120602)
	harness.Eventually(t, 10*time.Second, "goroutines back to their number before the reloads", func() bool {
		return runtime.NumGoroutine() <= base+5
	})
}

// notifyReceiver is a secondary's NOTIFY listener on loopback; it keeps the serial of
// the SOA in each NOTIFY's answer section.
type notifyReceiver struct {
	addr string
	got  chan uint32
}

func newNotifyReceiver(t *testing.T) *notifyReceiver {
	r := &notifyReceiver{got: make(chan uint32, 100)}
	srv := &dns.Server{Addr: "127.0.0.1:0", Net: "udp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) {
		if m.Opcode == dns.OpcodeNotify && len(m.Question) == 1 && len(m.Answer) == 1 {
			if soa, ok := m.Answer[0].(*dns.SOA); ok && m.Question[0].Name == "example.org." {
				r.got <- soa.Serial
			}
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
	r.addr = srv.PacketConn.LocalAddr().String()
	t.Cleanup(func() { srv.Shutdown() })
	return r
}

// wait returns when a NOTIFY for example.org with serial arrives, failing after 10 s.
func (r *notifyReceiver) wait(t *testing.T, serial uint32) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-r.got:
			if got == serial {
				return
			}
		case <-deadline:
			t.Fatalf("no NOTIFY with serial %d within 10s", serial)
		}
	}
}

package replay

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/distro/compare/capture"
)

// server is an in-process DNS server on 127.0.0.1, UDP and TCP on one port, answering each
// A query with 192.0.2.<id of the server>; it drops the first drop UDP queries it gets.
type server struct {
	addr     string
	asked    atomic.Int64
	drop     atomic.Int64
	truncate atomic.Bool // answer names starting with "big" with TC over UDP
}

func startServer(t *testing.T, last byte, drop int64) *server {
	t.Helper()
	s := &server{}
	s.drop.Store(drop)
	pc, l := listenBoth(t)
	s.addr = pc.LocalAddr().String()
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		s.asked.Add(1)
		if w.LocalAddr().Network() == "udp" && s.drop.Add(-1) >= 0 {
			return
		}
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		rr, _ := dns.NewRR(r.Question[0].Name + " 60 IN A 192.0.2." + string('0'+last))
		m.Answer = []dns.RR{rr}
		if s.truncate.Load() && strings.HasPrefix(r.Question[0].Name, "big") && w.LocalAddr().Network() == "udp" {
			m.Truncated, m.Answer = true, nil
		}
		if opt := r.IsEdns0(); opt != nil {
			m.SetEdns0(opt.UDPSize(), opt.Do())
		}
		w.WriteMsg(m)
	})
	udp, tcp := &dns.Server{PacketConn: pc, Handler: h}, &dns.Server{Listener: l, Handler: h}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return s
}

func queryOf(name, network string) capture.Query {
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	m.SetEdns0(1232, true)
	return capture.Query{Msg: m, Network: network}
}

func replayAll(t *testing.T, cfg Config, qs ...capture.Query) []Result {
	t.Helper()
	var mu sync.Mutex
	var rs []Result
	r := New(cfg, func(res Result) { mu.Lock(); rs = append(rs, res); mu.Unlock() })
	for _, q := range qs {
		if err := r.Send(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	if r.Done() != int64(len(qs)) {
		t.Errorf("done %d, want %d", r.Done(), len(qs))
	}
	return rs
}

func TestReplayBothServers(t *testing.T) {
	a, b := startServer(t, 1, 0), startServer(t, 2, 0)
	var qs []capture.Query
	for i := range 50 {
		network := "udp"
		if i%5 == 0 {
			network = "tcp"
		}
		qs = append(qs, queryOf(string(rune('a'+i%26))+".example.org.", network))
	}
	rs := replayAll(t, Config{A: a.addr, B: b.addr, Concurrency: 8, Timeout: time.Second, Rate: 2000}, qs...)
	if len(rs) != 50 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if r.Err != nil {
			t.Fatalf("%v", r.Err)
		}
		if !strings.HasSuffix(r.A.Answer[0].String(), "192.0.2.1") || !strings.HasSuffix(r.B.Answer[0].String(), "192.0.2.2") ||
			r.A.IsEdns0() == nil || !r.A.IsEdns0().Do() || r.A.Question[0].Name != r.Query.Msg.Question[0].Name {
			t.Fatalf("answers %v / %v", r.A, r.B)
		}
	}
	if a.asked.Load() != 50 || b.asked.Load() != 50 {
		t.Errorf("asked A %d, B %d times, want 50 each", a.asked.Load(), b.asked.Load())
	}
}

func TestReplayRetriesAndErrors(t *testing.T) {
	a, b := startServer(t, 1, 2), startServer(t, 2, 0) // A drops the first two
	rs := replayAll(t, Config{A: a.addr, B: b.addr, Concurrency: 1, Timeout: 200 * time.Millisecond, Retries: 2}, queryOf("x.example.org.", "udp"))
	if rs[0].Err != nil || a.asked.Load() != 3 {
		t.Errorf("after two dropped: %v, A asked %d times", rs[0].Err, a.asked.Load())
	}
	a.drop.Store(5)
	rs = replayAll(t, Config{A: a.addr, B: b.addr, Concurrency: 1, Timeout: 100 * time.Millisecond, Retries: 1}, queryOf("y.example.org.", "udp"))
	if rs[0].Err == nil || !strings.HasPrefix(rs[0].Err.Error(), "server a: ") || !strings.Contains(rs[0].Err.Error(), "2 tries") || rs[0].B == nil {
		t.Errorf("A silent: %v", rs[0].Err)
	}
}

func TestReplayCaptureAsA(t *testing.T) {
	b := startServer(t, 2, 0)
	answered := queryOf("c.example.org.", "udp")
	answered.Response = new(dns.Msg).SetReply(answered.Msg)
	rs := replayAll(t, Config{B: b.addr, Concurrency: 2, Timeout: time.Second}, answered, queryOf("d.example.org.", "udp"))
	for _, r := range rs {
		switch r.Query.Msg.Question[0].Name {
		case "c.example.org.":
			if r.Err != nil || r.A != answered.Response || r.B == nil {
				t.Errorf("answered: %+v", r)
			}
		default:
			if !errors.Is(r.Err, ErrNoCapturedAnswer) {
				t.Errorf("unanswered: %v", r.Err)
			}
		}
	}
}

func TestSendStopsWithContext(t *testing.T) {
	b := startServer(t, 2, 0)
	r := New(Config{B: b.addr, Concurrency: 1, Timeout: time.Second, Rate: 0.001}, func(Result) {})
	ctx, cancel := context.WithCancel(context.Background())
	r.Send(ctx, queryOf("a.example.org.", "udp")) // takes the one token
	cancel()
	if err := r.Send(ctx, queryOf("b.example.org.", "udp")); !errors.Is(err, context.Canceled) {
		t.Errorf("Send after cancel: %v", err)
	}
	r.Close()
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	var n atomic.Int64
	p := &Progress{W: &buf, Bar: true, Total: 10, Interval: time.Hour, Count: n.Load, Status: func() string { return "0 different" }}
	p.Start()
	n.Store(5)
	p.Stop()
	if out := buf.String(); !strings.Contains(out, "[###############...............] 5/10 (50%)") || !strings.HasSuffix(out, "\n") {
		t.Errorf("bar: %q", out)
	}
	buf.Reset()
	p = &Progress{W: &buf, Interval: time.Hour, Count: n.Load}
	p.Start()
	p.Stop()
	if out := buf.String(); !strings.Contains(out, ": 5 queries, ") || strings.Contains(out, "\r") {
		t.Errorf("lines: %q", out)
	}
}

func TestReplayTCPOnTC(t *testing.T) {
	a, b := startServer(t, 1, 0), startServer(t, 2, 0)
	a.truncate.Store(true)
	cfg := Config{A: a.addr, B: b.addr, Concurrency: 1, Timeout: time.Second, TCPOnTC: true}
	rs := replayAll(t, cfg, queryOf("big.example.org.", "udp"), queryOf("small.example.org.", "udp"))
	for _, r := range rs {
		big := r.Query.Msg.Question[0].Name == "big.example.org."
		if r.Err != nil || r.TruncatedA != big || r.TruncatedB || r.A.Truncated || len(r.A.Answer) != 1 {
			t.Errorf("%s: %+v", r.Query.Msg.Question[0].Name, r)
		}
	}
	if a.asked.Load() != 3 || b.asked.Load() != 3 { // big twice, small once
		t.Errorf("asked A %d, B %d times, want 3 each", a.asked.Load(), b.asked.Load())
	}
	cfg.TCPOnTC = false
	rs = replayAll(t, cfg, queryOf("big.example.org.", "udp"))
	if !rs[0].A.Truncated || rs[0].TruncatedA {
		t.Errorf("without TCPOnTC: %+v", rs[0])
	}
}

// listenBoth listens on UDP and TCP on one port of 127.0.0.1, as a DNS server does; a UDP
// port whose TCP twin is taken is given back and another tried.
func listenBoth(t *testing.T) (net.PacketConn, net.Listener) {
	t.Helper()
	for range 50 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l
		}
		pc.Close()
	}
	t.Fatal("no port free for both UDP and TCP")
	return nil, nil
}

package abusepool

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"

	"github.com/miekg/dns"
)

// upstream is a real DNS server on loopback that answers every A query with 192.0.2.99
// and counts what it got.
func upstream(t *testing.T) (*dnstest.Server, *atomic.Int64) {
	var got atomic.Int64
	s := dnstest.NewServer(func(w dns.ResponseWriter, r *dns.Msg) {
		got.Add(1)
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		m.Answer = append(m.Answer, test.A(r.Question[0].Name+" 30 IN A 192.0.2.99"))
		w.WriteMsg(m)
	})
	t.Cleanup(s.Close)
	return s, &got
}

func TestPoolAnswers(t *testing.T) {
	up, got := upstream(t)
	p := newAbusePool(poolConfig{name: "sink", addrs: []string{up.Addr}})
	p.start()
	defer p.stop()

	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	rcode, size := p.serve(context.Background(), rec, question("x.t-ipnet.de.", dns.TypeA))
	if rcode != dns.RcodeSuccess || rec.Msg == nil || size != rec.Msg.Len() {
		t.Fatalf("rcode %d size %d, answer %v", rcode, size, rec.Msg)
	}
	if len(rec.Msg.Answer) != 1 || rec.Msg.Answer[0].String() != "x.t-ipnet.de.\t30\tIN\tA\t192.0.2.99" || !rec.Msg.Authoritative {
		t.Errorf("answer is not the upstream's:\n%v", rec.Msg)
	}
	if got.Load() != 1 {
		t.Errorf("upstream got %d queries, want 1", got.Load())
	}
}

// Over max_qps the pool's traffic is dropped: nothing written, the upstream not asked.
func TestPoolCapDrops(t *testing.T) {
	up, got := upstream(t)
	p := newAbusePool(poolConfig{name: "capped", addrs: []string{up.Addr}, maxQPS: 2})
	p.start()
	defer p.stop()

	dropped := 0
	for range 10 {
		rec := dnstest.NewRecorder(&test.ResponseWriter{})
		rcode, _ := p.serve(context.Background(), rec, question("x.example.", dns.TypeA))
		if rcode == inspect.NoAnswer {
			dropped++
			if rec.Msg != nil {
				t.Fatalf("a dropped query got an answer: %v", rec.Msg)
			}
		}
	}
	// A burst of max_qps (2) is let through, plus what the cap refills meanwhile; the
	// loop takes far less than the 4 s it would need to refill eight.
	if dropped < 1 || int(got.Load())+dropped != 10 {
		t.Errorf("%d dropped, upstream asked %d times: want the rest of 10 dropped", dropped, got.Load())
	}
}

// With no upstream answering, the client gets SERVFAIL (not silence: the pool is not a
// drop), and the failure is counted.
func TestPoolUpstreamDown(t *testing.T) {
	up, _ := upstream(t)
	addr := up.Addr
	up.Close()
	p := newAbusePool(poolConfig{name: "down", addrs: []string{addr}})
	p.start()
	defer p.stop()

	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	rcode, _ := p.serve(context.Background(), rec, question("x.example.", dns.TypeA))
	if rcode != dns.RcodeServerFailure || rec.Msg == nil || rec.Msg.Rcode != dns.RcodeServerFailure || len(rec.Msg.Question) != 1 {
		t.Fatalf("rcode %d, answer %v: want SERVFAIL with the question", rcode, rec.Msg)
	}
}

func question(name string, qt uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qt)
	return m
}

// With one upstream down, every query is still answered by the other: a failed upstream
// is passed over within the query, and health-checked until it is back.
func TestPoolSkipsDownUpstream(t *testing.T) {
	down, _ := upstream(t)
	downAddr := down.Addr
	down.Close()
	up, got := upstream(t)
	p := newAbusePool(poolConfig{name: "half", addrs: []string{downAddr, up.Addr}, healthCheck: 50 * time.Millisecond})
	p.start()
	defer p.stop()

	for i := range 6 {
		rec := dnstest.NewRecorder(&test.ResponseWriter{})
		rcode, _ := p.serve(context.Background(), rec, question("x.example.", dns.TypeA))
		if rcode != dns.RcodeSuccess || rec.Msg == nil || len(rec.Msg.Answer) != 1 {
			t.Fatalf("query %d: rcode %d, answer %v", i, rcode, rec.Msg)
		}
	}
	if got.Load() != 6 {
		t.Errorf("the healthy upstream answered %d of 6", got.Load())
	}
}

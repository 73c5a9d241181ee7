package abusepool

import (
	"math"
	"net"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// noReplyWait is how long a test waits to be sure a dropped query got no reply. A reply
// on loopback comes in well under a millisecond; the wait is an upper bound, not a timing
// under test.
const noReplyWait = 1500 * time.Millisecond

// drop: no reply at all, while the queries no rule matches are still answered.
func TestActionDrop(t *testing.T) {
	s := startFront(t, "        rule drop-www suffix www.example.org drop")
	noAnswer(t, s.UDP, "", "www.example.org.", dns.TypeA, noReplyWait)
	noAnswer(t, s.UDP, "", "deep.www.example.org.", dns.TypeTXT, noReplyWait)
	// Over TCP the connection stays open and silent: the read times out.
	c := client("tcp", "")
	c.Timeout = noReplyWait
	if m, _, err := c.Exchange(harness.Query("WWW.Example.ORG.", dns.TypeA), s.TCP); err == nil {
		t.Errorf("dropped TCP query (mixed case) got a reply: %v", m)
	}
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "mail.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"mail.example.org. 3600 IN A 192.0.2.25"},
		Ns:            exampleNS,
	})
}

// refused: rcode REFUSED with the question echoed and nothing else, over UDP and TCP, for
// the clients of the CIDR only.
func TestActionRefused(t *testing.T) {
	s := startFront(t, "        rule refuse-two cidr 127.0.0.2/32 refused")
	for _, c := range []struct{ addr, network string }{{s.UDP, "udp"}, {s.TCP, "tcp"}} {
		m := ask(t, c.addr, c.network, "127.0.0.2", "www.example.org.", dns.TypeA)
		harness.AssertResponse(t, m, harness.Response{Rcode: dns.RcodeRefused})
		assertQuestion(t, m, "www.example.org.", dns.TypeA)
		harness.AssertResponse(t, ask(t, c.addr, c.network, "127.0.0.3", "www.example.org.", dns.TypeA), wwwAnswer)
	}
	// EDNS in, EDNS out.
	m, _, err := client("udp", "127.0.0.2").Exchange(harness.WithEDNS(harness.Query("www.example.org.", dns.TypeA), 1232, false), s.UDP)
	if err != nil {
		t.Fatal(err)
	}
	harness.AssertResponse(t, m, harness.Response{Rcode: dns.RcodeRefused, Extra: []string{harness.OPT(1232, false)}})
}

// truncate: over UDP an empty answer with TC=1 and the question; over TCP the full answer.
func TestActionTruncate(t *testing.T) {
	s := startFront(t, "        rule tc-txt qtype AAAA truncate")
	m := ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeAAAA)
	harness.AssertResponse(t, m, harness.Response{Truncated: true})
	assertQuestion(t, m, "www.example.org.", dns.TypeAAAA)

	harness.AssertResponse(t, ask(t, s.TCP, "tcp", "", "www.example.org.", dns.TypeAAAA), harness.Response{
		Authoritative: true,
		Answer:        []string{"www.example.org. 3600 IN AAAA 2001:db8::80"},
		Ns:            exampleNS,
	})
	// Another type is not truncated.
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)
}

// ratelimit: per client, the first queries within the bucket are answered in full, then
// the limit's last word (REFUSED) applies; another client has its own bucket.
func TestActionRateLimit(t *testing.T) {
	const qps, burst = 2, 3
	s := startFront(t, "        rule rl cidr 127.0.0.0/8 ratelimit 2 3 client refused")

	start := time.Now()
	answered, refused := 0, 0
	for i := range 12 {
		m := ask(t, s.UDP, "udp", "127.0.0.2", "www.example.org.", dns.TypeA)
		switch m.Rcode {
		case dns.RcodeSuccess:
			if refused > 0 && i < burst {
				t.Fatalf("query %d answered after a refusal inside the burst", i)
			}
			harness.AssertResponse(t, m, wwwAnswer)
			answered++
		case dns.RcodeRefused:
			if i < burst {
				t.Fatalf("query %d refused: the first %d must be answered", i, burst)
			}
			harness.AssertResponse(t, m, harness.Response{Rcode: dns.RcodeRefused})
			assertQuestion(t, m, "www.example.org.", dns.TypeA)
			refused++
		default:
			t.Fatalf("query %d: unexpected answer %v", i, m)
		}
	}
	// Whether the bucket holds BURST or QPS+BURST at first, it refills at QPS: no more can
	// have been answered than that plus what the elapsed time refilled.
	most := qps + burst + int(math.Ceil(qps*time.Since(start).Seconds()))
	if answered < burst || answered > most || refused == 0 {
		t.Errorf("answered %d, refused %d of 12: want at least %d and at most %d answered, the rest refused", answered, refused, burst, most)
	}
	// Another client is not limited by 127.0.0.2's bucket.
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "127.0.0.3", "www.example.org.", dns.TypeA), wwwAnswer)
}

// pool: the abuse pool's server (a second CoreDNS, another zone file) answers the shunted
// names; the rest is answered by the front's own data.
func TestActionPool(t *testing.T) {
	sink := startPoolServer(t)
	s := startFront(t, lines(
		"        pool abuse "+sink,
		"        rule shunt suffix www.example.org pool abuse",
	))
	for _, c := range []struct{ addr, network string }{{s.UDP, "udp"}, {s.TCP, "tcp"}} {
		harness.AssertResponse(t, ask(t, c.addr, c.network, "", "www.example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Answer:        []string{"www.example.org. 60 IN A 192.0.2.99"},
			Ns:            []string{"example.org. 60 IN NS sink.example.org."},
		})
		harness.AssertResponse(t, ask(t, c.addr, c.network, "", "mail.example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Answer:        []string{"mail.example.org. 3600 IN A 192.0.2.25"},
			Ns:            exampleNS,
		})
	}
}

// pool max_qps: over the cap the pool's traffic is dropped (no reply), within it answered.
func TestActionPoolCap(t *testing.T) {
	const maxQPS = 2
	sink := startPoolServer(t)
	s := startFront(t, lines(
		"        pool abuse "+sink+" max_qps 2",
		"        rule shunt suffix www.example.org pool abuse",
	))
	// Ten queries at once on one socket; replies are read until none comes for a while.
	conn, err := net.Dial("udp", s.UDP)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dc := &dns.Conn{Conn: conn}
	start := time.Now()
	for i := range 10 {
		q := harness.Query("www.example.org.", dns.TypeA)
		q.Id = uint16(1000 + i)
		if err := dc.WriteMsg(q); err != nil {
			t.Fatal(err)
		}
	}
	answered, last := 0, start
	for {
		conn.SetReadDeadline(time.Now().Add(noReplyWait))
		m, err := dc.ReadMsg()
		if err != nil {
			break
		}
		last = time.Now()
		if m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 || m.Answer[0].String() != "www.example.org.\t60\tIN\tA\t192.0.2.99" {
			t.Errorf("an answered query did not get the pool's answer: %v", m)
		}
		answered++
	}
	// The cap lets a burst of max_qps through at once, then max_qps a second.
	most := maxQPS + int(math.Ceil(maxQPS*last.Sub(start).Seconds()))
	if answered < 1 || answered > most {
		t.Errorf("%d of 10 answered: want 1 to %d, the rest dropped", answered, most)
	}
	// Names not shunted are not capped.
	for range 5 {
		harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "mail.example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Answer:        []string{"mail.example.org. 3600 IN A 192.0.2.25"},
			Ns:            exampleNS,
		})
	}
}

package aliaspool

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// Behind the stock cache plugin: the synthesized answers are cached like any other, and
// a cached ALIAS answer no longer reaches the upstream.
func TestAliasPoolBehindCache(t *testing.T) {
	in := newTestInternet(t)
	zone := writeZone(t, "db.example.org", aliasZone+lines(
		"pool 60 IN POOL www.example.org.",
	))
	s := harness.StartServer(t, fmt.Sprintf(`example.org:0 {
    cache 30
    alias {
        upstream %s
    }
    pool
    file %s
}`, in.Addr, zone))
	both(t, s, func(t *testing.T, addr, network string) {
		for range 3 {
			r := ask(t, addr, network, "ext.example.org.", dns.TypeA)
			// The cache counts the TTL down; a second may pass between two queries.
			ttl := r.Answer[0].Header().Ttl
			if ttl > 30 || ttl < 28 {
				t.Fatalf("TTL %d, want the cache's 30 or just under", ttl)
			}
			harness.AssertResponse(t, r, harness.Response{
				Authoritative: true,
				Answer:        []string{fmt.Sprintf("ext.example.org. %d IN A 198.51.100.1", ttl), fmt.Sprintf("ext.example.org. %d IN A 198.51.100.2", ttl)},
				Ns:            []string{fmt.Sprintf("example.org. %d IN NS ns1.example.org.", ttl)},
			})
			r = ask(t, addr, network, "pool.example.org.", dns.TypeA)
			ttl = r.Answer[0].Header().Ttl
			harness.AssertResponse(t, r, harness.Response{
				Authoritative: true,
				Answer:        []string{fmt.Sprintf("pool.example.org. %d IN CNAME www.example.org.", ttl), fmt.Sprintf("www.example.org. %d IN A 192.0.2.80", ttl)},
				Ns:            []string{fmt.Sprintf("example.org. %d IN NS ns1.example.org.", ttl)},
			})
		}
	})
	if q := in.queries.Load(); q != 1 {
		t.Errorf("upstream got %d queries, want 1: the rest from the cache", q)
	}
}

// Hostile and malformed packets: whatever arrives, the server keeps answering.
func TestHostilePackets(t *testing.T) {
	in := newTestInternet(t)
	zone := writeZone(t, "db.example.org", aliasZone+lines(
		"pool 60 IN POOL www.example.org.",
		"pool 60 IN POOL \\# 0",
		"pool2 60 IN POOL \\# 0",
		"emptyalias IN ALIAS \\# 0",
	))
	s := harness.StartServer(t, fmt.Sprintf(`example.org:0 {
    alias {
        upstream %s
        timeout 50ms
        retries 0
    }
    pool
    file %s
}`, in.Addr, zone))

	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"example.org.", "ext.example.org.", "pool.example.org.", "pool2.example.org.", "emptyalias.example.org.",
		"loop1.example.org.", "x.wild.example.org.", "EXAMPLE.ORG.", "\\000.example.org.", "a.b.c.d.e.f.example.org."}
	types := []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCNAME, dns.TypeANY, 65401, 65460, 65461, dns.TypeAXFR, dns.TypeIXFR, 0, 65535}

	conn, err := net.Dial("udp", s.UDP)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := range 2000 {
		var wire []byte
		switch i % 3 {
		case 0: // random bytes
			wire = make([]byte, rng.IntN(600))
			for j := range wire {
				wire[j] = byte(rng.UintN(256))
			}
		default: // well-formed queries with odd flags, types, classes and EDNS
			m := new(dns.Msg)
			m.SetQuestion(names[rng.IntN(len(names))], types[rng.IntN(len(types))])
			m.Question[0].Qclass = []uint16{dns.ClassINET, dns.ClassCHAOS, dns.ClassANY, 0}[rng.IntN(4)]
			m.Opcode = []int{dns.OpcodeQuery, dns.OpcodeNotify, dns.OpcodeUpdate, 15}[rng.IntN(4)]
			m.Response = rng.IntN(10) == 0
			if rng.IntN(2) == 0 {
				m.SetEdns0(uint16(rng.IntN(65536)), rng.IntN(2) == 0)
			}
			if rng.IntN(5) == 0 {
				m.Question = append(m.Question, m.Question[0])
			}
			wire, err = m.Pack()
			if err != nil {
				continue
			}
			if i%3 == 2 && len(wire) > 12 { // flip a byte past the header
				wire[12+rng.IntN(len(wire)-12)] ^= byte(1 + rng.UintN(255))
			}
		}
		conn.Write(wire)
	}
	// Also over TCP, with the same kind of queries one connection at a time.
	for range 50 {
		m := new(dns.Msg)
		m.SetQuestion(names[rng.IntN(len(names))], types[rng.IntN(len(types))])
		c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
		c.Exchange(m, s.TCP)
	}

	// Still serving, both plugins. The flood may still fill the server's UDP receive
	// buffer, where the kernel drops datagrams: a UDP client retries, so the check does
	// too, at most a few times (a dead server never answers).
	for i := 0; ; i++ {
		c := &dns.Client{Net: "udp", Timeout: time.Second}
		if _, _, err := c.Exchange(harness.Query("example.org.", dns.TypeSOA), s.UDP); err == nil {
			break
		} else if i == 10 {
			t.Fatalf("no UDP answer after the flood: %v", err)
		}
	}
	both(t, s, func(t *testing.T, addr, network string) {
		harness.AssertResponse(t, ask(t, addr, network, "example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Answer:        []string{"example.org. 300 IN A 192.0.2.80"},
			Ns:            []string{apexNS},
		})
		harness.AssertResponse(t, ask(t, addr, network, "pool2.example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Ns:            []string{apexSOA},
		})
		harness.AssertResponse(t, ask(t, addr, network, "emptyalias.example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Ns:            []string{apexSOA},
		})
	})
}

// A mistake in the Corefile stops the server at startup, naming the line and the problem.
func TestBadCorefileNamesLine(t *testing.T) {
	for _, tc := range []struct{ corefile, want string }{
		{"example.org:0 {\n    alias {\n        timeout soon\n    }\n}", `Corefile:3 - Error during parsing: timeout: time: invalid duration "soon"`},
		{"example.org:0 {\n    pool {\n        health tcp 80\n        interval 1s\n        timeout 2s\n    }\n}", "Corefile:6 - Error during parsing: timeout 2s is longer than interval 1s"},
		{"example.org:0 {\n    pool {\n        policy sticky\n    }\n}", `Corefile:3 - Error during parsing: policy: "sticky" is neither weighted nor uniform`},
	} {
		inst, err := harness.StartServerErr(tc.corefile)
		if err == nil {
			inst.Stop()
			inst.ShutdownCallbacks()
			t.Errorf("%q started, want error %q", tc.corefile, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %q, want it to contain %q", err, tc.want)
		}
	}
}

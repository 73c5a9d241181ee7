package answercache_test

import (
	"bytes"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

const fastCorefile = "example.org:0 {\n bind 127.0.0.1\n prometheus 127.0.0.1:0\n answercache {\n  fastpath\n  admission off\n }\n acdata\n}\n"

// fastHit waits until q is answered by the fast path (the data plugin not asked, the fast
// path's hit counter up) and returns that answer.
func fastHit(t *testing.T, addr string, q *dns.Msg) *dns.Msg {
	t.Helper()
	var got *dns.Msg
	harness.Eventually(t, 5*time.Second, "a hit of the fast path", func() bool {
		before, calls := harness.MetricSum(t, "coredns_answercache_fastpath_hits_total"), acCalls.Load()
		got = harness.Exchange(t, addr, q.Copy(), "udp")
		return acCalls.Load() == calls && harness.MetricSum(t, "coredns_answercache_fastpath_hits_total") == before+1
	})
	return got
}

// TestFastPathHitsAndInvalidation: a server bound to 127.0.0.1 (the fast socket shares its
// SO_REUSEPORT group and steers it) answers hits from the fast path with the request's ID,
// RD and case; a change of the data is answered at once.
func TestFastPathHitsAndInvalidation(t *testing.T) {
	acAddr.Store("192.0.2.1")
	s := harness.StartServer(t, fastCorefile)
	q := harness.Query("WwW.example.org", dns.TypeA)
	q.RecursionDesired = false
	m := fastHit(t, s.UDP, q)
	if m.Id != q.Id {
		t.Fatalf("answer ID %d, request %d", m.Id, q.Id)
	}
	wantA(t, m, "WwW.example.org.", "192.0.2.1")

	edns := harness.WithEDNS(harness.Query("www.EXAMPLE.org", dns.TypeA), 1232, true)
	m = fastHit(t, s.UDP, edns)
	if opt := m.IsEdns0(); opt == nil || !opt.Do() || opt.UDPSize() != 1232 || len(m.Extra) != 1 {
		t.Fatalf("want the OPT record of a DO query, got %v", m.Extra)
	}
	m.Extra = nil
	wantA(t, m, "www.EXAMPLE.org.", "192.0.2.1")

	nx := fastHit(t, s.UDP, harness.Query("nx.example.org", dns.TypeA))
	if nx.Rcode != dns.RcodeNameError || len(nx.Answer) != 0 || !nx.Authoritative {
		t.Fatalf("want NXDOMAIN from the fast path, got\n%s", nx)
	}

	acAddr.Store("192.0.2.9")
	acDep.Bump()
	wantA(t, harness.Exchange(t, s.UDP, q.Copy(), "udp"), "WwW.example.org.", "192.0.2.9")
	acAddr.Store("192.0.2.1")
	acDep.Bump()
}

// TestFastPathAnswersAsTheServer: the same packets, sent to a server with the fast path
// and to one without, get the same bytes back (or both no answer): hits, misses the fast
// path hands to the server, requests it does not key, and malformed ones.
func TestFastPathAnswersAsTheServer(t *testing.T) {
	acAddr.Store("192.0.2.1")
	fast := harness.StartServer(t, fastCorefile)
	plain := harness.StartServer(t, strings.Replace(fastCorefile, "  fastpath\n", "", 1))
	fastHit(t, fast.UDP, harness.Query("www.example.org", dns.TypeA))

	cookie := harness.WithEDNS(harness.Query("www.example.org", dns.TypeA), 4096, false)
	cookie.IsEdns0().Option = []dns.EDNS0{&dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"}}
	packets := map[string][]byte{
		"hit":             pack(t, harness.Query("www.example.org", dns.TypeA)),
		"hit, other case": pack(t, harness.Query("WWW.Example.ORG", dns.TypeA)),
		"miss, EDNS DO":   pack(t, harness.WithEDNS(harness.Query("www.example.org", dns.TypeAAAA), 1232, true)),
		"cookie":          pack(t, cookie),
		"escaped name":    pack(t, harness.Query(`w\.w.example.org`, dns.TypeA)),
		"no question":     {0x12, 0x34, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"two questions":   twoQuestions(t),
		"update opcode":   opcode(t, dns.OpcodeUpdate),
		"status opcode":   opcode(t, dns.OpcodeStatus),
		"cut short":       pack(t, harness.Query("www.example.org", dns.TypeA))[:20],
		"a response":      response(t),
	}
	for name, pkt := range packets {
		for round := 0; round < 3; round++ { // a miss, then hits where the answer is cached
			want, got := rawExchange(t, plain.UDP, pkt), rawExchange(t, fast.UDP, pkt)
			if !bytes.Equal(want, got) {
				t.Fatalf("%s, round %d: the fast server answered\n%x\nthe plain one\n%x", name, round, got, want)
			}
		}
	}
}

func pack(t *testing.T, m *dns.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func twoQuestions(t *testing.T) []byte {
	m := harness.Query("www.example.org", dns.TypeA)
	m.Question = append(m.Question, m.Question[0])
	return pack(t, m)
}

func opcode(t *testing.T, op int) []byte {
	m := harness.Query("example.org", dns.TypeSOA)
	m.Opcode = op
	return pack(t, m)
}

func response(t *testing.T) []byte {
	m := harness.Query("www.example.org", dns.TypeA)
	m.Response = true
	return pack(t, m)
}

// rawExchange sends pkt over UDP and returns the answer's bytes, nil when none came
// within a short wait (malformed requests the server lets hang).
func rawExchange(t *testing.T, addr string, pkt []byte) []byte {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(pkt); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 65535)
	n, err := c.Read(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

// TestFastPathRefusedUnderLog: log above answercache must see every query, which the fast
// path would answer before it: the server does not start, and says why and where.
func TestFastPathRefusedUnderLog(t *testing.T) {
	inst, err := harness.StartServerErr("example.org:0 {\n bind 127.0.0.1\n log\n answercache {\n  fastpath\n }\n acdata\n}\n")
	if err == nil {
		inst.Stop()
		inst.ShutdownCallbacks()
		t.Fatal("started with log above the fast path")
	}
	if msg := err.Error(); !strings.Contains(msg, "fastpath") || !strings.Contains(msg, "log") || !strings.Contains(msg, "Corefile:5") {
		t.Fatalf("error does not name fastpath, log and the line: %v", err)
	}
}

// fastLoops counts the fast path's read loops.
func fastLoops() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "answercache.(*fastLoop).serve(")
}

// loopsPerPath is how many sockets, each with its read loop, a fast path has here: one per
// core the process may use, at most 8.
func loopsPerPath() int { return min(runtime.GOMAXPROCS(0), 8) }

// TestFastPathSurvivesReload: after every reload one fast path answers hits (the new
// instance's, which waited for the old one's sockets to close), and after the stop none
// is left.
func TestFastPathSurvivesReload(t *testing.T) {
	before := fastLoops()
	s := startReloadable(t, "example.org:0 {\n bind 127.0.0.1\n answercache {\n  fastpath\n  admission off\n }\n acdata\n}\n")
	for i := 0; i < 3; i++ {
		m := fastHit(t, udpOf(t, s.inst), harness.Query("www.example.org", dns.TypeA))
		wantA(t, m, "www.example.org.", acAddr.Load().(string))
		harness.Eventually(t, 2*time.Second, "one fast path's loops", func() bool { return fastLoops() == before+loopsPerPath() })
		s.reload(t)
	}
	s.stop()
	harness.Eventually(t, 2*time.Second, "no fast loop after the stop", func() bool { return fastLoops() == before })
}

func udpOf(t *testing.T, inst *caddy.Instance) string {
	t.Helper()
	for _, sl := range inst.Servers() {
		if a, ok := sl.LocalAddr().(*net.UDPAddr); ok {
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
		}
	}
	t.Fatal("no UDP listener")
	return ""
}

// TestFastPathTwoBlocksOneAddress: two blocks with fastpath share a server; the first to
// answer a query gets the fast path, the other answers through the server loop at once
// (it does not wait for the address as a reload's new instance does).
func TestFastPathTwoBlocksOneAddress(t *testing.T) {
	block := " {\n bind 127.0.0.1\n answercache {\n  fastpath\n  admission off\n }\n acdata\n}\n"
	s := harness.StartServer(t, "example.org:0"+block+"example.net:0"+block)
	wantA(t, fastHit(t, s.UDP, harness.Query("www.example.org", dns.TypeA)), "www.example.org.", acAddr.Load().(string))
	for i := 0; i < 3; i++ {
		m := harness.Exchange(t, s.UDP, harness.Query("www.example.net", dns.TypeA), "udp")
		if m.Rcode != dns.RcodeNameError || !m.Authoritative || len(m.Answer) != 0 {
			t.Fatalf("want the NXDOMAIN of the other block, got\n%s", m)
		}
	}
	harness.Eventually(t, 2*time.Second, "no fast path start left waiting", func() bool {
		buf := make([]byte, 1<<20)
		return !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "answercache.acquireAddress(")
	})
}

package aliaspool

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// internet is "the internet" of these tests: a real DNS server on 127.0.0.1 (UDP and TCP,
// one port) answering from records the test controls, and that the test can make fail,
// slow or hold back. alias's upstream points at it.
type internet struct {
	Addr string

	mu      sync.Mutex
	records map[string][]dns.RR // by lower-case name
	fail    bool                // answer SERVFAIL
	delay   time.Duration       // wait before answering
	gate    chan struct{}       // when set, answers wait until it is closed
	queries atomic.Int64
}

// newInternet starts the server with zone-file lines; names without an A/AAAA record of
// the asked type get NXDOMAIN (unknown name) or NODATA (known name) with a SOA.
func newInternet(t *testing.T, lines ...string) *internet {
	t.Helper()
	in := &internet{records: map[string][]dns.RR{}}
	for _, l := range lines {
		in.add(t, l)
	}
	// One port for both transports: take a UDP port, then the same TCP port if it is free.
	var (
		pc  net.PacketConn
		l   net.Listener
		err error
	)
	for range 20 {
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		t.Fatalf("no port free for both UDP and TCP: %v", err)
	}
	in.Addr = pc.LocalAddr().String()
	udp := &dns.Server{PacketConn: pc, Handler: in}
	tcp := &dns.Server{Listener: l, Handler: in}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() {
		in.mu.Lock()
		if in.gate != nil {
			select {
			case <-in.gate:
			default:
				close(in.gate)
			}
		}
		in.mu.Unlock()
		udp.Shutdown()
		tcp.Shutdown()
	})
	return in
}

func (in *internet) add(t *testing.T, line string) {
	t.Helper()
	rr, err := dns.NewRR(line)
	if err != nil {
		t.Fatalf("internet record %q: %v", line, err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	k := strings.ToLower(rr.Header().Name)
	in.records[k] = append(in.records[k], rr)
}

func (in *internet) setFail(b bool) {
	in.mu.Lock()
	in.fail = b
	in.mu.Unlock()
}

func (in *internet) setDelay(d time.Duration) {
	in.mu.Lock()
	in.delay = d
	in.mu.Unlock()
}

// hold makes answers wait until the returned function is called.
func (in *internet) hold() (release func()) {
	g := make(chan struct{})
	in.mu.Lock()
	in.gate = g
	in.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(g) }) }
}

var internetSOA, _ = dns.NewRR("example.net. 3600 IN SOA ns.example.net. h.example.net. 1 3600 600 86400 120")

func (in *internet) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	in.queries.Add(1)
	in.mu.Lock()
	fail, delay, gate := in.fail, in.delay, in.gate
	var rrs []dns.RR
	known := false
	if len(r.Question) == 1 {
		q := r.Question[0]
		all, ok := in.records[strings.ToLower(q.Name)]
		known = ok
		for _, rr := range all {
			if rr.Header().Rrtype == q.Qtype || rr.Header().Rrtype == dns.TypeCNAME {
				rrs = append(rrs, rr)
			}
		}
		// Follow one CNAME, as a resolver would.
		for _, rr := range rrs {
			if c, ok := rr.(*dns.CNAME); ok {
				for _, t := range in.records[strings.ToLower(c.Target)] {
					if t.Header().Rrtype == q.Qtype {
						rrs = append(rrs, t)
					}
				}
			}
		}
	}
	in.mu.Unlock()

	if gate != nil {
		<-gate
	}
	time.Sleep(delay)
	m := new(dns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = true
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	switch {
	case fail:
		m.Rcode = dns.RcodeServerFailure
	case udp && len(r.Question) == 1 && strings.HasPrefix(r.Question[0].Name, "tc."):
		m.Truncated = true // names under tc. only answer over TCP
	case len(rrs) > 0:
		m.Answer = rrs
	case known:
		m.Ns = []dns.RR{internetSOA}
	default:
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{internetSOA}
	}
	w.WriteMsg(m)
}

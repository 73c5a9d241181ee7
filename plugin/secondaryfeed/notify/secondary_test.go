package notify

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// secondary is a real DNS server on 127.0.0.1 standing for a zone's
// secondary: it records the NOTIFYs it gets, with its own TSIG
// verification of each, and answers them as BIND does (signed when the
// NOTIFY was, REFUSED when its TSIG does not verify), unless drop says to
// stay silent.
type secondary struct {
	addr string
	mu   sync.Mutex
	got  []received
	drop func(n int, serial uint32) bool // n counts from 0
	tc   bool                            // UDP answers are truncated (empty, TC set)
}

type received struct {
	msg    *dns.Msg
	status error // the secondary's TSIG verification
	net    string
}

func (s *secondary) serveDNS(w dns.ResponseWriter, r *dns.Msg) {
	network := w.LocalAddr().Network()
	s.mu.Lock()
	n := len(s.got)
	s.got = append(s.got, received{r.Copy(), w.TsigStatus(), network})
	drop := s.drop != nil && s.drop(n, serialOf(r))
	s.mu.Unlock()
	if drop {
		return
	}
	m := new(dns.Msg).SetReply(r)
	switch {
	case s.tc && network == "udp":
		m.Truncated = true
	case r.IsTsig() != nil && w.TsigStatus() != nil:
		m.Rcode = dns.RcodeRefused
	case r.IsTsig() != nil:
		m.SetTsig(r.IsTsig().Hdr.Name, r.IsTsig().Algorithm, 300, time.Now().Unix())
	}
	w.WriteMsg(m)
}

func serialOf(m *dns.Msg) uint32 {
	if len(m.Answer) == 1 {
		if soa, ok := m.Answer[0].(*dns.SOA); ok {
			return soa.Serial
		}
	}
	return 0
}

func (s *secondary) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// startSecondary listens on UDP and TCP at one 127.0.0.1 port.
func startSecondary(t *testing.T, secrets map[string]string, s *secondary) *secondary {
	t.Helper()
	pc, l := listenBoth(t)
	s.addr = pc.LocalAddr().String()
	for _, srv := range []*dns.Server{
		{PacketConn: pc, Handler: dns.HandlerFunc(s.serveDNS), TsigSecret: secrets},
		{Listener: l, Handler: dns.HandlerFunc(s.serveDNS), TsigSecret: secrets},
	} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return s
}

// listenBoth binds UDP on a port the kernel picks, then TCP on the same one,
// trying again on the rare port whose TCP side is taken.
func listenBoth(t *testing.T) (net.PacketConn, net.Listener) {
	t.Helper()
	for range 20 {
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

// eventually waits for cond, failing the test after limit (harness.Eventually's
// way; the harness itself would link every plugin into this small test).
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

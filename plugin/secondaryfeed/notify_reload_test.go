package secondaryfeed

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/goleak"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
)

// A NOTIFY still being retried when a reload replaces the instance goes on: the secondary,
// silent until after the old instance stopped, still gets it and acknowledges it; the last
// instance's stop ends everything.
func TestNotifyOutlivesReload(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sec := startSilentSecondary(t)
	defer sec.close()

	old, _ := testFeed(t, fileSource(t, zoneText(7, 1)))
	old.gate = &gate{corefile: access.Policy{NotifyTo: []string{sec.addr}}}
	old.start()
	waitUntil(5*time.Second, func() bool { return sec.heard.Load() > 0 })
	if sec.heard.Load() == 0 {
		t.Fatal("the old instance sent no NOTIFY")
	}

	next, _ := testFeed(t, fileSource(t, zoneText(7, 1)))
	next.gate = &gate{} // it has nothing to notify itself: what arrives is the old one's
	next.start()
	old.stop()

	sec.answering.Store(true)
	waitUntil(15*time.Second, func() bool { return sec.acked.Load() > 0 })
	if sec.acked.Load() == 0 {
		t.Error("the NOTIFY pending at the reload was dropped")
	}
	next.stop()
	if sharedNotify != nil || notifyRefs != 0 {
		t.Errorf("the shared notifier is still held (%d references) after the last stop", notifyRefs)
	}
}

// A NOTIFY the new instance sends while the old one still answers is sent again once the
// old one stopped: a secondary that asked the old instance for the SOA saw the old serial.
// Without a reload under way, nothing is sent twice.
func TestNotifyAgainAfterReload(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sec := startSilentSecondary(t)
	defer sec.close()
	sec.answering.Store(true)

	old, _ := testFeed(t, fileSource(t, zoneText(7, 1)))
	old.gate = &gate{corefile: access.Policy{NotifyTo: []string{sec.addr}}}
	old.start()
	waitUntil(5*time.Second, func() bool { return sec.acked.Load() == 1 })

	beginReload() // the old instance's restart callback
	next, _ := testFeed(t, fileSource(t, zoneText(8, 1)))
	next.gate = &gate{corefile: access.Policy{NotifyTo: []string{sec.addr}}}
	next.start()
	waitUntil(5*time.Second, func() bool { return sec.acked.Load() == 2 })
	if n := sec.acked.Load(); n != 2 {
		t.Fatalf("the new instance's NOTIFY: %d acknowledged, want 2", n)
	}
	endReload() // the old instance's shutdown, after its servers stopped
	old.stop()
	waitUntil(5*time.Second, func() bool { return sec.acked.Load() == 3 })
	if n, serial := sec.acked.Load(), sec.serial.Load(); n != 3 || serial != 8 {
		t.Errorf("after the old instance stopped: %d NOTIFYs acknowledged, the last for serial %d; want 3, serial 8", n, serial)
	}

	endReload() // no reload under way: nothing held, nothing sent
	next.stop()
	if n := sec.acked.Load(); n != 3 {
		t.Errorf("%d NOTIFYs acknowledged in all, want 3", n)
	}
}

// silentSecondary reads NOTIFYs on UDP and answers them only once answering is set.
type silentSecondary struct {
	addr         string
	pc           net.PacketConn
	answering    atomic.Bool
	heard, acked atomic.Int32
	serial       atomic.Uint32 // of the last NOTIFY's SOA
	done         chan struct{}
}

func startSilentSecondary(t *testing.T) *silentSecondary {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentSecondary{addr: pc.LocalAddr().String(), pc: pc, done: make(chan struct{})}
	go s.serve()
	return s
}

func (s *silentSecondary) serve() {
	defer close(s.done)
	buf := make([]byte, 4096)
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		m := new(dns.Msg)
		if m.Unpack(buf[:n]) != nil || m.Opcode != dns.OpcodeNotify {
			continue
		}
		s.heard.Add(1)
		if len(m.Answer) > 0 {
			if soa, ok := m.Answer[0].(*dns.SOA); ok {
				s.serial.Store(soa.Serial)
			}
		}
		if !s.answering.Load() {
			continue
		}
		out, err := new(dns.Msg).SetReply(m).Pack()
		if err == nil {
			s.pc.WriteTo(out, from)
			s.acked.Add(1)
		}
	}
}

func (s *silentSecondary) close() {
	s.pc.Close()
	<-s.done
}

package sqlsecondary

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// tricklePrimary is a primary on real loopback TCP that answers SOA queries
// with serial and, to a transfer request, sends one byte every 20ms: each
// read gets something, so only the whole-transfer timeout ends it.
func tricklePrimary(t *testing.T, serial uint32) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				var l [2]byte
				if _, err := io.ReadFull(c, l[:]); err != nil {
					return
				}
				buf := make([]byte, binary.BigEndian.Uint16(l[:]))
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				q := new(dns.Msg)
				if q.Unpack(buf) != nil || len(q.Question) != 1 {
					return
				}
				if q.Question[0].Qtype == dns.TypeSOA {
					m := new(dns.Msg)
					m.SetReply(q)
					soa, _ := dns.NewRR(zoneName + " 60 IN SOA ns. h. 1 60 60 600 60")
					soa.(*dns.SOA).Serial = serial
					m.Answer = []dns.RR{soa}
					out, _ := m.Pack()
					binary.BigEndian.PutUint16(l[:], uint16(len(out)))
					c.Write(append(l[:], out...))
					return
				}
				c.Write([]byte{0xff, 0xff})
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-done:
						return
					case <-tick.C:
						if _, err := c.Write([]byte{0}); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestTricklingPrimary: a primary that keeps sending a byte at a time is
// cut off at timeout, the worker freed and nothing written.
func TestTricklingPrimary(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	addr := tricklePrimary(t, 5)
	id := addSlave(t, db, "example.org", addr)
	timeouts := testutil.ToFloat64(transfers.WithLabelValues(kindAXFR, reasonTimeout))
	s := startSecondary(t, path, "a", func(c *config) { c.timeout, c.idle = 500*time.Millisecond, 200*time.Millisecond })
	eventually(t, "the transfer failing", func() bool {
		_, failing, _ := zoneState(s, id)
		return failing
	})
	if testutil.ToFloat64(transfers.WithLabelValues(kindAXFR, reasonTimeout)) == timeouts {
		_, _, msg := zoneState(s, id)
		t.Errorf("not counted as a timeout: %s", msg)
	}
	s.mu.RLock()
	active := s.active
	s.mu.RUnlock()
	if active != 0 {
		t.Errorf("%d workers still busy", active)
	}
	if n := storedSerial(t, db, zoneName, id); n != 0 {
		t.Errorf("serial %d stored", n)
	}
}

package sqlbackend_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestNotifyLoopEndsAtShutdown changes five zones at once, which sends five
// NOTIFYs one after another, and holds the first one unanswered. Stopping
// the server then must end the loop once that NOTIFY is done: the other four
// are not sent by an instance that no longer exists (a reload would otherwise
// keep it sending for seconds per zone to a secondary that does not answer).
// Without the stop, all five arrive: the test can tell the two apart.
func TestNotifyLoopEndsAtShutdown(t *testing.T) {
	for _, stop := range []bool{false, true} {
		t.Run(fmt.Sprintf("stop=%v", stop), func(t *testing.T) {
			d := newSQLite(t)
			var zones []string
			for i := 1; i <= 5; i++ {
				zones = append(zones, fmt.Sprintf("z%d.test.", i))
			}
			loadSmallZones(t, d, len(zones))

			var (
				mu     sync.Mutex
				got    = map[string]int{}
				first  = make(chan struct{})
				hold   = make(chan struct{})
				once   sync.Once
				srvRcv = &dns.Server{Addr: "127.0.0.1:0", Net: "udp"}
			)
			srvRcv.Handler = dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) {
				if m.Opcode != dns.OpcodeNotify || len(m.Question) != 1 {
					return
				}
				mu.Lock()
				got[m.Question[0].Name]++
				n := len(got)
				mu.Unlock()
				if n == 1 {
					once.Do(func() { close(first); <-hold })
				}
				resp := new(dns.Msg)
				resp.SetReply(m)
				w.WriteMsg(resp)
			})
			started := make(chan struct{})
			srvRcv.NotifyStartedFunc = func() { close(started) }
			go srvRcv.ListenAndServe()
			<-started
			t.Cleanup(func() { srvRcv.Shutdown() })

			corefile := fmt.Sprintf(".:0 {\n\ttransfer {\n\t\tto %s\n\t}\n\t%s\n}", srvRcv.PacketConn.LocalAddr(), d.corefileBlock())
			inst, err := harness.StartServerErr(corefile)
			if err != nil {
				t.Fatal(err)
			}
			stopped := false
			t.Cleanup(func() {
				if !stopped {
					inst.Stop()
					inst.ShutdownCallbacks()
				}
			})
			udp := inst.Servers()[0].LocalAddr().String()
			harness.WaitFor(t, udp, "z5.test.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 10*time.Second)

			d.exec(t, `UPDATE records SET content = 'ns1.example.net hostmaster.example.net 2 7200 3600 1209600 300' WHERE type = 'SOA'`)
			select {
			case <-first:
			case <-time.After(5 * time.Second):
				t.Fatal("no NOTIFY within 5s of the change")
			}
			if stop {
				inst.Stop()
				inst.ShutdownCallbacks()
				stopped = true
			}
			close(hold)

			deadline := time.Now().Add(5 * time.Second)
			if stop {
				// Long enough for the held NOTIFY's retry and for the next zones, had
				// the loop gone on.
				deadline = time.Now().Add(4 * time.Second)
			}
			for time.Now().Before(deadline) {
				mu.Lock()
				n := len(got)
				mu.Unlock()
				if !stop && n == len(zones) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			if stop && len(got) != 1 {
				t.Errorf("after the shutdown, NOTIFYs went on: %v", got)
			}
			if !stop && len(got) != len(zones) {
				t.Errorf("without a shutdown, NOTIFY reached %d of %d zones: %v", len(got), len(zones), got)
			}
		})
	}
}

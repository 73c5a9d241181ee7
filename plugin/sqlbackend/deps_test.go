package sqlbackend

import (
	"context"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/miekg/dns"
)

// serveRecorded answers qname/A with an answer cache's recorder in the context.
func serveRecorded(t *testing.T, b *SQLBackend, qname string) (*answerdeps.Recorder, *dns.Msg) {
	t.Helper()
	rec := &answerdeps.Recorder{}
	w := dnstest.NewRecorder(&test.ResponseWriter{})
	if _, err := b.ServeDNS(answerdeps.With(context.Background(), rec), w, (&test.Case{Qname: qname, Qtype: dns.TypeA}).Msg()); err != nil {
		t.Fatal(err)
	}
	return rec, w.Msg
}

// TestAnswerDeps: an answer from a zone is cacheable and stamped with the
// zone; a change makes the stamps stale by the time it is served; what falls
// through to the next plugin is not sqlbackend's to vouch for.
func TestAnswerDeps(t *testing.T) {
	b, st := newTestBackend(t, []string{"."}, testSeed)
	for _, q := range []string{"www.example.org.", "nope.example.org.", "x.a.b.example.org."} {
		rec, m := serveRecorded(t, b, q)
		if !rec.Cacheable() || len(rec.Stamps()) != 2 || m == nil {
			t.Errorf("%s: cacheable %v, stamps %v; want cacheable, membership and zone", q, rec.Cacheable(), rec.Stamps())
		}
	}

	rec, _ := serveRecorded(t, b, "www.example.org.")
	stamps := append([]answerdeps.Stamp(nil), rec.Stamps()...)
	if _, err := st.DB.Exec(`UPDATE records SET content = '192.0.2.9' WHERE name = 'www.example.org'`); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, m := serveRecorded(t, b, "www.example.org.")
		if len(m.Answer) == 1 && m.Answer[0].(*dns.A).A.String() == "192.0.2.9" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("change not served within 5s: %v", m)
		}
	}
	stale := false
	for _, s := range stamps {
		stale = stale || !s.Current()
	}
	if !stale {
		t.Error("the new answer is served, the old answer's stamps are all still current")
	}

	b.Fall.SetZonesFromArgs(nil)
	b.Next = test.NextHandler(dns.RcodeSuccess, nil)
	if rec, _ := serveRecorded(t, b, "nope.example.org."); rec.Cacheable() {
		t.Error("an answer that fell through to the next plugin is cacheable")
	}
}

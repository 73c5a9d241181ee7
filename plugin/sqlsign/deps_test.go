package sqlsign

import (
	"context"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/miekg/dns"
)

// TestAnswerCacheBound: with an answer cache above, a signed answer may be kept only until
// the next start of PowerDNS's signing week, when its signatures and SOA-EDIT's serial change.
func TestAnswerCacheBound(t *testing.T) {
	w := newWorld(t)
	rec := &answerdeps.Recorder{}
	r := (&test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Do: true}).Msg()
	if _, err := w.s.ServeDNS(answerdeps.With(context.Background(), rec), dnstest.NewRecorder(&test.ResponseWriter{}), r); err != nil {
		t.Fatal(err)
	}
	if want := pdnskeys.NextWeek(fixedNow).Sub(fixedNow); rec.TTL() != want || want <= 0 {
		t.Errorf("answer cache bound %v, want %v (to the next signing week)", rec.TTL(), want)
	}
}

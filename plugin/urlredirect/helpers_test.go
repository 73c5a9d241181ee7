package urlredirect

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

const testSOA = "example.org. 300 IN SOA ns.example.org. h.example.org. 1 2 3 4 5"

// zone is a tiny data plugin for unit tests: exact names only, answers as file does
// (records, NODATA with the SOA, NXDOMAIN with the SOA). It counts URL lookups.
type zone struct {
	mu      sync.Mutex
	rrs     map[string][]dns.RR
	urlAsks int
}

func newZone(t testing.TB, records ...string) *zone {
	z := &zone{rrs: map[string][]dns.RR{}}
	for _, s := range records {
		z.set(t, s)
	}
	return z
}

func (z *zone) set(t testing.TB, s string) {
	if err := z.trySet(s); err != nil {
		t.Fatal(err)
	}
}

// trySet adds the record s, or says why it is not one.
func (z *zone) trySet(s string) error {
	rr, err := dns.NewRR(s)
	if err != nil {
		return err
	}
	if rr == nil {
		return errors.New("no record")
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	n := strings.ToLower(rr.Header().Name)
	z.rrs[n] = append(z.rrs[n], rr)
	return nil
}

func (z *zone) clear(name string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	delete(z.rrs, name)
}

func (z *zone) ServeDNS(_ context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	q := r.Question[0]
	soa, _ := dns.NewRR(testSOA)
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	z.mu.Lock()
	if q.Qtype == rrtypes.TypeURL {
		z.urlAsks++
	}
	rrs, ok := z.rrs[strings.ToLower(q.Name)]
	z.mu.Unlock()
	if !ok {
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{soa}
		w.WriteMsg(m)
		return dns.RcodeNameError, nil
	}
	for _, rr := range rrs {
		if rr.Header().Rrtype == q.Qtype {
			m.Answer = append(m.Answer, rr)
		}
	}
	if len(m.Answer) == 0 {
		m.Ns = []dns.RR{soa}
	}
	w.WriteMsg(m)
	return dns.RcodeSuccess, nil
}

func (z *zone) Name() string { return "zone" }

func (z *zone) asks() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.urlAsks
}

// newTestRedirect returns a plugin over z for example.org with the given memo window.
func newTestRedirect(z *zone, memo bool) *Redirect {
	r := &Redirect{
		Next:  z,
		zones: chainlookup.NewZones([]string{"example.org."}),
		v4:    []net.IP{net.ParseIP("192.0.2.10").To4()},
		v6:    []net.IP{net.ParseIP("2001:db8::10")},
	}
	if memo {
		r.memoWindow = time.Hour
		r.memo = chainlookup.NewMemo[*target](r.memoWindow, 100)
	}
	return r
}

// Package secondaryfeed feeds other servers' secondaries: for each fed zone it builds a
// version from the zone's source (the first transfer.Transferer of the server block),
// through a pipeline of steps, into a journal (package journal) that assigns serials and
// keeps the differences, and serves it by AXFR and IXFR (RFC 1995), with the fed SOA at
// the apex. Every other question goes down the chain. See README.md.
package secondaryfeed

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

var log = clog.NewWithPlugin("secondaryfeed")

// Feed is the plugin: one per server block.
type Feed struct {
	Next     plugin.Handler
	Store    journal.Store
	Pipeline []Step
	Allow    Policy
	Notifier Notifier // nil: made at start from gate's targets, if any
	Poll     time.Duration

	zones   atomic.Pointer[map[string]*zone] // the fed zones, by canonical name; replaced, never changed (zones.go)
	sources []transfer.Transferer
	listers []xfrmeta.Lister // with discover: the sources that list their zones
	disc    *discovery       // nil without discover
	builds  chan struct{}    // a slot per build running: a start with 100,000 zones builds a few at a time
	gate    *gate            // transfer and NOTIFY settings
	checker *checker         // the flatten and validate step, nil without one
	catalog string           // the catalog zone's name, "" for none
	report  *reportServer

	cancel   context.CancelFunc
	wg       sync.WaitGroup
	notifier *notifier // the one start made, stopped with the feed
}

// zone is one fed zone: cur is what is served, written only by the zone's build loop.
type zone struct {
	name      string
	cur       atomic.Pointer[journal.Version]
	found     bool                     // discovered in a source's list, not named in the Corefile
	poll      time.Duration            // how often its loop asks the source's serial
	stop      context.CancelFunc       // ends its loop (a discovered zone that went away)
	done      chan struct{}            // closed when its loop has ended
	trigger   chan struct{}            // a build is wanted; buffered 1, so requests coalesce
	srcSerial uint32                   // the source's serial at the last build; loop only
	bytes     int                      // journal size at the last build; loop only
	lastErr   string                   // the source's last error, logged once; loop only
	static    func() ([]dns.RR, error) // the records of a zone without a source (the catalog)
}

// newFeed returns a Feed for the named zones.
func newFeed(names []string) *Feed {
	f := &Feed{Poll: time.Second, builds: make(chan struct{}, buildSlots)}
	zones := map[string]*zone{}
	for _, n := range names {
		n = dns.CanonicalName(n)
		zones[n] = newZone(n)
	}
	f.zones.Store(&zones)
	return f
}

// ServeDNS implements plugin.Handler: AXFR, IXFR and SOA at a fed apex are ours.
func (f *Feed) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	state := request.Request{W: w, Req: r}
	z := f.zone(state.Name())
	if z == nil || r.Opcode != dns.OpcodeQuery || state.QClass() != dns.ClassINET {
		return plugin.NextOrFailure(f.Name(), f.Next, ctx, w, r)
	}
	switch state.QType() {
	case dns.TypeAXFR, dns.TypeIXFR:
		return f.transfer(ctx, f.ownTSIG(state), z)
	case dns.TypeSOA:
		if v := z.cur.Load(); v != nil {
			return answerSOA(f.ownTSIG(state), v)
		}
	}
	return plugin.NextOrFailure(f.Name(), f.Next, ctx, w, r)
}

// Notify asks for a build of zone now (sqlbackend calls it when zone changed in SQL). It
// does not wait for the build; a zone we do not feed is ignored, unless discover is on:
// a zone added or removed in SQL is notified too, and makes the zones be listed again.
func (f *Feed) Notify(name string) error {
	if z := f.zone(dns.CanonicalName(name)); z != nil {
		select {
		case z.trigger <- struct{}{}:
		default: // a build is already pending, and will see this change
		}
	}
	if f.disc != nil {
		f.disc.nudge()
	}
	return nil
}

// Ready implements ready.Readiness: every fed zone has a version to serve, and with
// discover the sources' zones have been listed.
func (f *Feed) Ready() bool {
	if f.disc != nil && !f.disc.listed.Load() {
		return false
	}
	for _, z := range *f.zones.Load() {
		if z.cur.Load() == nil {
			return false
		}
	}
	return true
}

// Name implements plugin.Handler.
func (f *Feed) Name() string { return "secondaryfeed" }

// signLike adds a TSIG to m when the request carried one that verified: the server then
// signs m with that key (or state.W does, for a key only SQL has: tsigown.go).
// Secondaries sign their SOA queries and want signed answers; without the tsig plugin in
// the chain no one else adds it.
func signLike(m *dns.Msg, state request.Request) {
	if t := state.Req.IsTsig(); t != nil && state.W.TsigStatus() == nil && m.IsTsig() == nil {
		m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
	}
}

// answerSOA answers the SOA question at the apex with the fed SOA, and the apex's NS
// records in the authority section as the file plugin does: secondaries compare serials
// with what the primary answers here. A signed question whose TSIG did not verify gets
// NOTAUTH with the TSIG error (RFC 8945 5.2), not an unsigned answer the secondary
// would drop anyway.
func answerSOA(state request.Request, v *journal.Version) (int, error) {
	if status := state.W.TsigStatus(); status != nil && state.Req.IsTsig() != nil {
		d := access.Decision{Rcode: dns.RcodeNotAuth, TSIGError: access.TSIGError(status)}
		writeSigned(state, d.Reply(state.Req))
		return dns.RcodeNotAuth, nil
	}
	m := new(dns.Msg)
	m.SetReply(state.Req)
	m.Authoritative = true
	m.Answer = []dns.RR{v.SOA()}
	apex := v.RRs[0].Header().Name
	for _, rr := range v.RRs[1:] {
		if rr.Header().Name != apex {
			break // canonical order: the apex's records come first
		}
		if rr.Header().Rrtype == dns.TypeNS {
			m.Ns = append(m.Ns, rr)
		}
	}
	if err := writeSigned(state, m); err != nil {
		return dns.RcodeServerFailure, err
	}
	return dns.RcodeSuccess, nil
}

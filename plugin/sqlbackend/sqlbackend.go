// Package sqlbackend serves zones kept in SQL, in the PowerDNS generic
// schema, from memory: the change feed (package feed) reads the database,
// package sqlzone makes each domain's rows into a zone of the zone engine
// (package zone), which answers queries, and package zoneset holds the zones
// served. See README.md and docs/sqlbackend.md.
package sqlbackend

import (
	"context"
	"sync/atomic"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	"github.com/coredns/coredns/plugin/pkg/fall"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
	"github.com/miekg/dns"
)

var log = clog.NewWithPlugin("sqlbackend")

// SQLBackend is the plugin: one per server block, sharing its source (the
// zones in memory) with every other block and instance that names the same
// database.
type SQLBackend struct {
	Next plugin.Handler
	// Origins are the zones of this block: it answers only inside them. A set, not a
	// slice, because a block may list thousands of zones and this runs on every query.
	Origins *chainlookup.Zones
	Fall    fall.F

	src       atomic.Pointer[source]
	notifiers atomic.Pointer[[]zoneNotifier]

	// shutdown ends the NOTIFY loops of this instance when a reload or a stop
	// replaces it: each zone's NOTIFY can take seconds against a secondary that
	// does not answer, and a long list must not outlive the instance.
	shutdown       context.Context
	cancelShutdown context.CancelFunc
}

// ServeDNS implements plugin.Handler. The zone engine (package zone) does
// the lookup; the result is turned into a message the way file.ServeDNS
// does.
func (b *SQLBackend) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	state := request.Request{W: w, Req: r}
	qname := state.Name()
	server := metrics.WithServer(ctx)

	src := b.src.Load()
	if src == nil || !src.loaded.Load() {
		// Not loaded yet (database down at start): we cannot tell NXDOMAIN
		// from an unknown zone. The ready plugin reports us not ready.
		if b.Fall.Through(qname) {
			return plugin.NextOrFailure(b.Name(), b.Next, ctx, w, r)
		}
		answersCount.WithLabelValues(server, "notready").Inc()
		return dns.RcodeServerFailure, nil
	}

	z, err := b.zoneFor(ctx, src, qname, state.QType())
	if err != nil {
		// A cold zone (max_records) that the database cannot give us now.
		log.Errorf("Loading the zone of %s: %v", qname, err)
		answersCount.WithLabelValues(server, "servfail").Inc()
		return dns.RcodeServerFailure, nil
	}
	if z == nil {
		if b.Fall.Through(qname) {
			return plugin.NextOrFailure(b.Name(), b.Next, ctx, w, r)
		}
		answersCount.WithLabelValues(server, "refused").Inc()
		return dns.RcodeRefused, nil
	}

	// The transfer plugin above us serves AXFR/IXFR; without it, none.
	if state.QType() == dns.TypeAXFR || state.QType() == dns.TypeIXFR {
		return dns.RcodeRefused, nil
	}
	// We are the primary: a NOTIFY for one of our zones is dropped, as file does.
	if r.Opcode == dns.OpcodeNotify {
		dropNotify(state.IP(), z.Origin())
		return dns.RcodeSuccess, nil
	}

	q := zone.Query{Name: qname, Type: state.QType(), DO: state.Do()}
	a := b.lookup(ctx, src, state, z, q)

	// As in file: only an empty NXDOMAIN (or ENT NOERROR) falls through.
	if len(a.Answer) == 0 && (a.Result == zone.NameError || a.Result == zone.Success) && b.Fall.Through(qname) {
		return plugin.NextOrFailure(b.Name(), b.Next, ctx, w, r)
	}
	// The answer came from z's version: an answer cache above may keep it
	// until that changes (zoneset stamped the version at Match).
	answerdeps.From(ctx).Serve(answerdeps.Stamp{})
	return b.write(state, server, a)
}

// write sends the answer a of a lookup.
func (b *SQLBackend) write(state request.Request, server string, a zone.Answer) (int, error) {
	m := new(dns.Msg)
	m.SetReply(state.Req)
	m.Authoritative = true
	m.Answer, m.Ns, m.Extra = a.Answer, a.Ns, a.Extra

	label := "success"
	switch a.Result {
	case zone.Success:
	case zone.NoData:
		label = "nodata"
	case zone.NameError:
		m.Rcode = dns.RcodeNameError
		label = "nxdomain"
	case zone.Delegation:
		label = "delegation"
		// A referral-only response is not authoritative.
		if len(m.Answer) == 0 {
			m.Authoritative = false
		}
	case zone.ServerFailure:
		label = "servfail"
		// A CNAME whose external target failed: send the CNAME (RFC 6604, 3).
		if len(m.Answer) == 0 {
			answersCount.WithLabelValues(server, label).Inc()
			return dns.RcodeServerFailure, nil
		}
		m.Rcode = dns.RcodeServerFailure
	}
	answersCount.WithLabelValues(server, label).Inc()
	fitOptional(state, m)
	state.W.WriteMsg(m)
	return dns.RcodeSuccess, nil
}

// zoneFor returns the zone of this block that answers qname: its longest
// match, but for a DS query at the apex of a zone whose parent zone is served
// too, the parent. The DS RRset lives on the parent's side of the cut, and a
// server authoritative for both answers it from the parent (RFC 4035
// 3.1.4.1); the file plugin answers from the child, which has no DS (NODATA).
func (b *SQLBackend) zoneFor(ctx context.Context, src *source, qname string, qtype uint16) (*zone.Zone, error) {
	name, z, err := src.zones.Match(ctx, qname)
	if err != nil || z == nil || b.Origins.Match(name) == "" {
		return nil, err
	}
	if qtype != dns.TypeDS || name != qname || name == "." {
		return z, nil
	}
	parentOff, _ := dns.NextLabel(qname, 0)
	parentName := "."
	if parentOff < len(qname) {
		parentName = qname[parentOff:]
	}
	pname, parent, err := src.zones.Match(ctx, parentName)
	if err != nil || parent == nil || b.Origins.Match(pname) == "" {
		return z, nil // the child's answer beats none
	}
	return parent, nil
}

// Name implements plugin.Handler.
func (b *SQLBackend) Name() string { return "sqlbackend" }

// zonesChanged tells the block's zone notifiers (transfer, secondaryfeed) about the
// changed zones inside our origins. It does not wait: notifies retry for seconds. Each
// notifier has its own goroutine, so secondaryfeed's rebuild never waits behind the
// transfer plugin's NOTIFY to a secondary that does not answer.
func (b *SQLBackend) zonesChanged(zones []string) {
	np := b.notifiers.Load()
	if np == nil || len(*np) == 0 {
		return
	}
	notifiers := *np
	var mine []string
	for _, z := range zones {
		if b.Origins.Match(z) != "" {
			mine = append(mine, z)
		}
	}
	if len(mine) == 0 {
		return
	}
	var done <-chan struct{} // nil, never closed, for an instance not started by setup
	if b.shutdown != nil {
		done = b.shutdown.Done()
	}
	for _, n := range notifiers {
		go notifyZones(n, mine, done)
	}
}

// notifyZones tells n about zones, one after the other, until done.
func notifyZones(n zoneNotifier, zones []string, done <-chan struct{}) {
	for _, z := range zones {
		select {
		case <-done:
			return
		default:
		}
		if err := n.Notify(z); err != nil {
			log.Warningf("Notify for %s: %v", z, err)
		}
	}
}

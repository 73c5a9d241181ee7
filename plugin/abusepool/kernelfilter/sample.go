package kernelfilter

import (
	"net/netip"
	"sync/atomic"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// DefaultSample is the 1-in-N sample of a blocked source's packets the filter lets through
// unless configured otherwise.
const DefaultSample = 1024

// sampleIndex tells the handler which sources the filter on the sockets drops, so that it
// knows a packet from one of them for a sample standing for Sample packets. It is a
// rules.Set of one drop rule per prefix: the handler's own prefix lookup, tested there.
type sampleIndex struct {
	set    *rules.Set
	sample uint32
}

func newSampleIndex(ps []netip.Prefix, sample uint32) *sampleIndex {
	rs := make([]rules.Rule, len(ps))
	for i, p := range ps {
		rs[i] = rules.Rule{ID: "kernel", Match: rules.Match{CIDR: p.String()}, Action: rules.Drop}
	}
	return &sampleIndex{set: rules.NewSet(rs), sample: sample}
}

// sampled is the sample addr's packets pass the filter at, or 0 when it does not drop them.
func (x *sampleIndex) sampled(addr netip.Addr) uint32 {
	if x == nil || x.set.Match(rules.Query{Addr: addr}) == nil {
		return 0
	}
	return x.sample
}

// publishedIndex is what Sampled reads. A packet read from the socket went through the
// program on it when it arrived, not necessarily the one attached last: packets queued
// before a new program was attached were not sampled by it. So a prefix leaves the index
// before the program without it is attached (its packets then all come through, and must not
// count N times each), and a prefix joins it one poll after the program with it was
// (packets from it queued before then were not a sample).
type publishedIndex struct {
	cur     atomic.Pointer[sampleIndex]
	pending *sampleIndex // the full index of the program attached last; owned by the loop
}

// before is called before a program of prefixes is attached: from then on only the
// prefixes both the old and the new program drop count as sampled.
func (p *publishedIndex) before(prefixes []netip.Prefix, sample uint32) {
	p.pending = nil
	if sample == 0 {
		p.cur.Store(nil)
		return
	}
	var both []netip.Prefix
	if old := p.cur.Load(); old != nil {
		for _, pf := range prefixes {
			if old.covers(pf) {
				both = append(both, pf)
			}
		}
	}
	p.cur.Store(newSampleIndex(both, sample))
	p.pending = newSampleIndex(prefixes, sample)
}

// covers reports whether x holds pf itself (not only some prefix containing its address).
func (x *sampleIndex) covers(pf netip.Prefix) bool {
	r := x.set.Match(rules.Query{Addr: pf.Addr()})
	if r == nil {
		return false
	}
	p, err := rules.ParsePrefix(r.Match.CIDR)
	return err == nil && p.Bits() <= pf.Bits()
}

// promote publishes the full index of the program attached last (a poll after).
func (p *publishedIndex) promote() {
	if p.pending != nil {
		p.cur.Store(p.pending)
		p.pending = nil
	}
}

// clear publishes no index: no socket carries the program.
func (p *publishedIndex) clear() {
	p.pending = nil
	p.cur.Store(nil)
}

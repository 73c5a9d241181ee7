package inspect

import (
	"net/netip"

	"github.com/miekg/dns"
)

// bucket holds one slice of the window: a summary per dimension, and plain counts for rates.
type bucket struct {
	epoch int64 // which bucket-wide slice of time it holds; -1 when never used

	names, nxNames, sfNames []*summary[string] // indexed by labels: 0 whole names, 1..GroupLabels grouped
	clients                 *summary[netip.Addr]
	clients24, clients56    *summary[netip.Prefix]
	rcodes                  *summary[int]
	qtypes                  *summary[uint16]
	clientBytes             *summary[netip.Addr]
	clientNX, clientSF      *summary[netip.Addr]

	queries, answers, dropped, unsampled uint64
}

func newBucket(c Config) *bucket {
	b := &bucket{
		epoch:       -1,
		clients:     newSummary[netip.Addr](c.Capacity, nil),
		clients24:   newSummary[netip.Prefix](c.Capacity, nil),
		clients56:   newSummary[netip.Prefix](c.Capacity, nil),
		rcodes:      newSummary[int](c.Capacity, nil),
		qtypes:      newSummary[uint16](c.Capacity, nil),
		clientBytes: newSummary[netip.Addr](c.Capacity, nil),
		clientNX:    newSummary[netip.Addr](c.Capacity, nil),
		clientSF:    newSummary[netip.Addr](c.Capacity, nil),
	}
	for l := 0; l <= c.GroupLabels; l++ {
		b.names = append(b.names, newSummary(c.Capacity, ownString))
		b.nxNames = append(b.nxNames, newSummary(c.Capacity, ownString))
		b.sfNames = append(b.sfNames, newSummary(c.Capacity, ownString))
	}
	return b
}

// add counts one event, standing for w events (the 1-in-w sample), in every dimension it
// belongs to.
func (b *bucket) add(e *Event, w uint64) {
	b.queries += w
	if e.Rcode == NoAnswer {
		b.dropped += w
	} else {
		b.answers += w
	}
	addName(b.names, e.Name, w)
	b.rcodes.add(e.Rcode, w)
	b.qtypes.add(e.QType, w)

	client := e.Client.Unmap()
	if client.IsValid() {
		b.clients.add(client, w)
		if client.Is4() {
			b.clients24.add(subnet24(client), w)
		} else {
			b.clients56.add(subnet56(client), w)
		}
		if e.Bytes > 0 {
			b.clientBytes.add(client, w*uint64(e.Bytes))
		}
	}
	switch e.Rcode {
	case dns.RcodeNameError:
		addName(b.nxNames, e.Name, w)
		if client.IsValid() {
			b.clientNX.add(client, w)
		}
	case dns.RcodeServerFailure:
		addName(b.sfNames, e.Name, w)
		if client.IsValid() {
			b.clientSF.add(client, w)
		}
	}
}

// addName counts name, w times, whole and grouped by its last 1..len(sums)-1 labels.
func addName(sums []*summary[string], name string, w uint64) {
	for l, s := range sums {
		s.add(lastLabels(name, l), w)
	}
}

// summaries lists every summary, for reset and memory accounting.
func (b *bucket) summaries() (strs []*summary[string], addrs []*summary[netip.Addr], prefixes []*summary[netip.Prefix]) {
	strs = append(append(append(strs, b.names...), b.nxNames...), b.sfNames...)
	addrs = []*summary[netip.Addr]{b.clients, b.clientBytes, b.clientNX, b.clientSF}
	prefixes = []*summary[netip.Prefix]{b.clients24, b.clients56}
	return strs, addrs, prefixes
}

// reset empties the bucket for a new slice of time, keeping its memory.
func (b *bucket) reset(epoch int64) {
	strs, addrs, prefixes := b.summaries()
	for _, s := range strs {
		s.reset()
	}
	for _, s := range addrs {
		s.reset()
	}
	for _, s := range prefixes {
		s.reset()
	}
	b.rcodes.reset()
	b.qtypes.reset()
	b.epoch = epoch
	b.queries, b.answers, b.dropped, b.unsampled = 0, 0, 0, 0
}

package pool

import (
	"math/rand/v2"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

// pick chooses one of the POOL records rrs at random. With weighted, a member's chance is
// its weight over the sum of the weights; otherwise all members are equally likely.
// Members up says are down are left out, unless all are: a pool then answers from all of
// its members rather than not at all. It also reports whether that happened.
//
// It runs on every query, so it allocates nothing: two passes over the records instead
// of building the list of candidates.
func pick(rrs []dns.RR, weighted bool, up func(target string) bool) (chosen dns.RR, allDown bool) {
	total := sum(rrs, weighted, up)
	if total == 0 {
		up, allDown = nil, true
		total = sum(rrs, weighted, nil)
	}
	if total == 0 {
		return nil, false
	}
	n := rand.IntN(total)
	for _, rr := range rrs {
		w := weight(rr, weighted, up)
		if n < w {
			return rr, allDown
		}
		n -= w
	}
	return nil, allDown // not reached: n < total
}

func sum(rrs []dns.RR, weighted bool, up func(string) bool) int {
	total := 0
	for _, rr := range rrs {
		total += weight(rr, weighted, up)
	}
	return total
}

// weight returns the share of rr in the draw: 0 for a record that is not a POOL or whose
// member is down.
func weight(rr dns.RR, weighted bool, up func(string) bool) int {
	p, ok := rrtypes.AsPOOL(rr)
	if !ok || p.Target == "" || (up != nil && !up(p.Target)) {
		return 0
	}
	if !weighted || p.Weight == 0 {
		return 1
	}
	return int(p.Weight)
}

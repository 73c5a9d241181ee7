package flatten

import (
	"strings"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

// Choose returns the one CNAME a name's POOL records are fed as, and false if they hold
// no member. The rule, stable so transfers do not churn: among the members with the
// highest weight (those the pool plugin answers with most often), the one whose target,
// lower-cased, sorts first byte by byte (ties broken by the target as written). It does
// not depend on the order of the records, nor on health checks (each node has its own
// view of them, and a flapping member would change the zone each time). The CNAME has
// the POOL record's owner and TTL, as the pool plugin answers it.
func Choose(rrs []dns.RR) (*dns.CNAME, bool) {
	var best dns.RR
	var bp *rrtypes.POOL
	for _, rr := range rrs {
		p, ok := rrtypes.AsPOOL(rr)
		if !ok || p.Target == "" {
			continue
		}
		if bp == nil || better(p, bp) {
			best, bp = rr, p
		}
	}
	if bp == nil {
		return nil, false
	}
	h := best.Header()
	return &dns.CNAME{
		Hdr:    dns.RR_Header{Name: h.Name, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: h.Ttl},
		Target: bp.Target,
	}, true
}

// better reports whether a comes before b in Choose's order.
func better(a, b *rrtypes.POOL) bool {
	wa, wb := weight(a), weight(b)
	if wa != wb {
		return wa > wb
	}
	la, lb := strings.ToLower(a.Target), strings.ToLower(b.Target)
	if la != lb {
		return la < lb
	}
	return a.Target < b.Target
}

// weight is the member's weight; 0 (not set) counts as 1, as everywhere else.
func weight(p *rrtypes.POOL) uint16 { return max(p.Weight, 1) }

package sqlbackend

import (
	"context"

	"github.com/coredns/coredns/plugin/transfer"

	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
	"github.com/miekg/dns"
)

// Transfer implements transfer.Transferer: the stock transfer plugin serves
// AXFR (and IXFR, by AXFR fallback) of any zone in memory. ALIAS, POOL and URL
// records go out as they are stored, as private types.
func (b *SQLBackend) Transfer(name string, serial uint32) (<-chan []dns.RR, error) {
	src := b.src.Load()
	if src == nil || b.Origins.Match(name) == "" {
		return nil, transfer.ErrNotAuthoritative
	}
	z, err := src.zones.Zone(context.Background(), dns.CanonicalName(name))
	if err != nil {
		return nil, err
	}
	if z == nil {
		return nil, transfer.ErrNotAuthoritative
	}
	return transferZone(z, serial), nil
}

// transferZone sends z as an AXFR: the SOA, every owner's records in
// canonical order, the SOA again (RFC 5936 2.2). A serial equal to the
// zone's gets the SOA alone: the IXFR answer for a secondary that is up to
// date (RFC 1995 2). z is one immutable version, so a change made during a
// long transfer never mixes two versions.
func transferZone(z *zone.Zone, serial uint32) <-chan []dns.RR {
	ch := make(chan []dns.RR)
	soa := z.SOA()
	go func() {
		defer close(ch)
		ch <- []dns.RR{soa}
		if serial != 0 && soa.Serial == serial {
			return
		}
		z.Walk(func(owner string, rrs []dns.RR) bool {
			if owner == z.Origin() {
				rrs = withoutSOA(rrs)
			}
			if len(rrs) > 0 {
				ch <- rrs
			}
			return true
		})
		ch <- []dns.RR{soa}
	}()
	return ch
}

// withoutSOA returns the apex's records less its SOA, which the transfer
// sends first and last.
func withoutSOA(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, 0, len(rrs))
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeSOA {
			out = append(out, rr)
		}
	}
	return out
}

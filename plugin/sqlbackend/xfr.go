package sqlbackend

import (
	"context"

	"github.com/coredns/coredns/plugin/transfer"

	"github.com/miekg/dns"
)

// Transfer implements transfer.Transferer: the stock transfer plugin serves
// AXFR (and IXFR, by AXFR fallback) of any zone in memory. ALIAS, POOL and URL
// records go out as they are stored, as private types.
func (b *SQLBackend) Transfer(zone string, serial uint32) (<-chan []dns.RR, error) {
	src := b.src.Load()
	if src == nil || b.Origins.Match(zone) == "" {
		return nil, transfer.ErrNotAuthoritative
	}
	z, err := src.zones.Zone(context.Background(), dns.CanonicalName(zone))
	if err != nil {
		return nil, err
	}
	if z == nil {
		return nil, transfer.ErrNotAuthoritative
	}
	return z.Transfer(serial)
}

package flatten

import (
	"context"

	"github.com/coredns/coredns/plugin"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"

	"github.com/miekg/dns"
)

// Chain returns the Lookup that asks next, the handlers below secondaryfeed (alias, pool,
// urlredirect, the data plugin), as a plain query from this server would: no EDNS, so
// no DNSSEC records, which the secondary does not get in a flattened zone either.
func Chain(next plugin.Handler) Lookup {
	return func(ctx context.Context, name string, qtype uint16) *dns.Msg {
		return chainlookup.Lookup(ctx, next, chainlookup.LocalRequest(name, qtype), name, qtype)
	}
}

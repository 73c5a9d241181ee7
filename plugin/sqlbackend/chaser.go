package sqlbackend

import (
	"context"

	"github.com/coredns/coredns/plugin/pkg/upstream"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
	"github.com/miekg/dns"
)

// up resolves CNAME targets outside every zone served, as the file plugin
// does: through the server's own plugin chain.
var up = upstream.New()

// chaser gives a lookup's CNAME chain the other zones of this block
// (zone.Chaser): a chain into a zone served here goes on there, one leaving
// them all goes through up.
type chaser struct {
	ctx   context.Context
	b     *SQLBackend
	src   *source
	state request.Request
}

// Zone implements zone.Chaser. A zone that cannot be loaded now (cold, with
// the database down) is treated as not served: the chain goes upstream.
func (c *chaser) Zone(name string) *zone.Zone {
	origin, z, err := c.src.zones.Match(c.ctx, name)
	if err != nil || z == nil || c.b.Origins.Match(origin) == "" {
		return nil
	}
	return z
}

// External implements zone.Chaser.
func (c *chaser) External(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	return up.Lookup(ctx, c.state, name, qtype)
}

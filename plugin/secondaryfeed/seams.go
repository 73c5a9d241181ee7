package secondaryfeed

import (
	"context"
	"time"

	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

// Step is one stage between the source and the journal: flattening (ALIAS, POOL, URL)
// and validation plug in here, in Feed.Pipeline's order. It gets the zone's records (SOA
// first) and returns what the next stage gets, and how soon the zone must be built
// again without a source change (0: no such need; the soonest of all steps wins, e.g.
// the TTL of an ALIAS target). An error ends the build: the zone keeps feeding its last
// version, and the error is logged and counted.
type Step func(ctx context.Context, origin string, rrs []dns.RR) (out []dns.RR, refresh time.Duration, err error)

// Policy decides whether the client of state may transfer zone, whose served version is
// v: a refused client gets the Decision's Reply (REFUSED, or NOTAUTH with a TSIG error).
type Policy interface {
	Allow(ctx context.Context, state request.Request, zone string, v *journal.Version) access.Decision
}

// Notifier tells a zone's secondaries that it has a new version, soa. It must not block
// the build: it returns at once and retries on its own until ctx ends.
type Notifier interface {
	Notify(ctx context.Context, zone string, soa *dns.SOA)
}

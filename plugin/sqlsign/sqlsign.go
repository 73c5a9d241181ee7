// Package sqlsign signs the answers of zones served from SQL online, with
// the keys PowerDNS keeps in its cryptokeys table. It sits where the stock
// dnssec plugin sits, above the data plugin and the plugins that synthesise
// answers (alias, pool), and signs what the chain below answered; the data
// plugin, a signsource.Source, supplies the keys and the NSEC/NSEC3 records.
package sqlsign

import (
	"context"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/pkg/singleflight"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/hostdns/hostdns/plugin/pkg/signsource"
)

var log = clog.NewWithPlugin("sqlsign")

// SQLSign is the plugin.Handler.
type SQLSign struct {
	Next plugin.Handler

	zones    []string
	sources  []signsource.Source // found at startup among the block's handlers
	cache    *sigCache
	answers  *answerMemo
	expanded *doorkeeper // wildcard expansions signed, remembered by identity when signed again
	inflight singleflight.Group
	now      func() time.Time
}

// New returns a signer for zones with a signature cache of cacheSize
// entries, asking sources for keys.
func New(zones []string, cacheSize int, sources ...signsource.Source) *SQLSign {
	return &SQLSign{zones: zones, sources: sources, cache: newSigCache(cacheSize), answers: newAnswerMemo(cacheSize), expanded: newDoorkeeper(expandedSlots), now: time.Now}
}

// ServeDNS implements plugin.Handler.
func (s *SQLSign) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	state := request.Request{W: w, Req: r}
	if len(s.sources) == 0 || plugin.Zones(s.zones).Matches(state.Name()) == "" {
		return plugin.NextOrFailure(s.Name(), s.Next, ctx, w, r)
	}
	// Signatures and SOA-EDIT's serial change with the week: an answer cache
	// above must not keep this answer past that.
	if rec := answerdeps.From(ctx); rec != nil {
		now := s.now()
		rec.Expire(pdnskeys.NextWeek(now).Sub(now))
	}
	// Wrapped with or without DO: SOA-EDIT applies to every answer.
	sw := &ResponseWriter{ResponseWriter: w, s: s, ctx: ctx, do: state.Do(), server: metrics.WithServer(ctx)}
	var (
		rc  int
		err error
	)
	if z := s.keysZone(ctx, state); z != nil {
		rc, err = s.serveKeys(ctx, sw, r, z)
	} else {
		rc, err = plugin.NextOrFailure(s.Name(), s.Next, ctx, sw, r)
	}
	if ferr := sw.flush(); ferr != nil && err == nil {
		err = ferr
	}
	return rc, err
}

// keysZone returns the secured zone whose apex state asks for DNSKEY, CDS or
// CDNSKEY: those sqlsign answers from the keys. Nil for any other question.
func (s *SQLSign) keysZone(ctx context.Context, state request.Request) signsource.Zone {
	switch state.QType() {
	case dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY:
	default:
		return nil
	}
	z := s.signingZone(ctx, state.Name())
	if z == nil || !z.Keys().Secured() || !equalName(z.Origin(), state.Name()) {
		return nil
	}
	return z
}

// Name implements plugin.Handler.
func (s *SQLSign) Name() string { return "sqlsign" }

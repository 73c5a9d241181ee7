package sqlbackend

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/miekg/dns"
)

// The zones' transfer settings (who may transfer them, whom to NOTIFY, with
// which TSIG keys) are kept the PowerDNS way, in domainmetadata and
// tsigkeys, and given to secondaryfeed through xfrmeta.Source. They are read
// on the DNSSEC keys' path (keys.go): for every zone at each full load, and
// for the zones of each poll's changes, which the key triggers log for
// domainmetadata and the TSIG key triggers (tsigkeys.<dialect>.sql) for the
// zones that name a changed key. Answers come from memory.

// xfrWarned is set once reading the settings failed: said once.
var xfrWarned atomic.Bool

// xfrSettings are the settings of the zones that have some, and the keys
// they name.
type xfrSettings struct {
	mu     sync.RWMutex
	byName map[string]xfrmeta.Zone
	ofID   map[int64]xfrRows // the domains with settings
	keys   map[string]xfrmeta.Key
}

// xfrRows are the rows a domain's settings were made from.
type xfrRows struct {
	name string
	rows []sqlstore.MetaRow
	zone xfrmeta.Zone
}

func newXfrSettings() *xfrSettings {
	return &xfrSettings{byName: map[string]xfrmeta.Zone{}, ofID: map[int64]xfrRows{}, keys: map[string]xfrmeta.Key{}}
}

// XfrMeta implements xfrmeta.Source: the settings of a zone of this block
// (none, and ok, for a zone without metadata).
func (b *SQLBackend) XfrMeta(zone string) (xfrmeta.Zone, bool) {
	src := b.src.Load()
	zone = dns.CanonicalName(zone)
	if src == nil || !src.loaded.Load() || b.Origins.Match(zone) == "" {
		return xfrmeta.Zone{}, false
	}
	x := src.xfr
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.byName[zone], true
}

// TSIGKey implements xfrmeta.Source: a key of tsigkeys that a zone's
// TSIG-ALLOW-AXFR or AXFR-MASTER-TSIG names.
func (b *SQLBackend) TSIGKey(name string) (xfrmeta.Key, bool) {
	src := b.src.Load()
	if src == nil {
		return xfrmeta.Key{}, false
	}
	x := src.xfr
	x.mu.RLock()
	defer x.mu.RUnlock()
	k, ok := x.keys[dns.CanonicalName(name)]
	return k, ok
}

// loadXfr reads the transfer settings of the domains ids, or of every
// domain when ids is nil, and the keys they name.
func (s *source) loadXfr(ctx context.Context, ids []int64) {
	var (
		meta map[int64][]sqlstore.MetaRow
		keys []sqlstore.TSIGKeyRow
	)
	err := timed("xfrmeta", func() (err error) {
		if meta, err = s.store.XfrMetadata(ctx, ids...); err != nil {
			return err
		}
		names := keyNames(meta)
		if len(names) > 0 {
			keys, err = s.store.TSIGKeys(ctx, bare(names)...)
		}
		return err
	})
	if err != nil {
		if !xfrWarned.Swap(true) {
			log.Warningf("Reading transfer settings (domainmetadata, tsigkeys) failed, zones keep the settings they had: %v", err)
		}
		return
	}
	s.xfr.apply(s, ids, meta, keys)
}

// keyNames returns the key names the rows name, lower case, fully qualified.
func keyNames(meta map[int64][]sqlstore.MetaRow) []string {
	var out []string
	for _, rows := range meta {
		for _, r := range rows {
			if r.Kind != xfrmeta.KindTSIGAllowAXFR && r.Kind != xfrmeta.KindAXFRMasterTSIG {
				continue
			}
			if n, err := xfrmeta.ParseKeyName(strings.TrimSpace(r.Content)); err == nil && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// bare returns names without their trailing dot, as TSIGKeys matches them.
func bare(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimSuffix(n, ".")
	}
	return out
}

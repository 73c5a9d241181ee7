package sqlbackend

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
	"github.com/miekg/dns"
)

// Zones secured in PowerDNS (pdnsutil secure-zone: keys in cryptokeys,
// settings in domainmetadata) are signed online by the sqlsign plugin, which
// sits above this one in the server block and asks it for each zone's keys
// (signing.go). Here the keys are read: for every zone at each full load, and
// for a zone whenever it, its keys or its settings change (the change log's
// key triggers, keys.<dialect>.sql, see feed). A zone with keys serves the
// version of itself that makes NSEC or NSEC3 records (zone.Denial).

// keyWarned is set once reading the keys failed: said once, not at every
// change.
var keyWarned atomic.Bool

// keyrings are the keys of the served zones: the rows each was made from
// (so that a change to a zone that leaves its keys alone parses nothing
// again) and, for the zones with active keys, the keyring.
type keyrings struct {
	mu     sync.RWMutex
	byName map[string]*pdnskeys.Keyring // the signed zones, by origin
	ofID   map[int64]keyRows            // every domain whose key rows were read and served
}

// keyRows are the rows a domain's keyring was made from.
type keyRows struct {
	name string
	rows []pdnskeys.Row
	meta []pdnskeys.MetaRow
	ring *pdnskeys.Keyring // nil: no active key (or PRESIGNED)
}

func newKeyrings() *keyrings {
	return &keyrings{byName: map[string]*pdnskeys.Keyring{}, ofID: map[int64]keyRows{}}
}

// get returns the keys of zone origin, nil if it has none active.
func (k *keyrings) get(origin string) *pdnskeys.Keyring {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.byName[origin]
}

// unchanged reports whether domain id, named name, was made from these
// rows: no rows, and none before, is unchanged too.
func (k *keyrings) unchanged(id int64, kr keyRows) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	old, ok := k.ofID[id]
	if !ok {
		return len(kr.rows) == 0
	}
	return old.name == kr.name && slices.Equal(old.rows, kr.rows) && slices.Equal(old.meta, kr.meta)
}

// set records the key rows of domain id (none forgets it). It returns how
// the count of signed zones, and of their active and inactive keys, moved.
func (k *keyrings) set(id int64, kr keyRows) (zones, active, inactive int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if old, ok := k.ofID[id]; ok {
		delete(k.ofID, id)
		if old.ring != nil {
			a, i := countKeys(old.ring)
			zones, active, inactive = -1, -a, -i
			delete(k.byName, old.name)
		}
	}
	if len(kr.rows) == 0 {
		return zones, active, inactive
	}
	k.ofID[id] = kr
	if kr.ring != nil {
		k.byName[kr.name] = kr.ring
		a, i := countKeys(kr.ring)
		zones, active, inactive = zones+1, active+a, inactive+i
	}
	return zones, active, inactive
}

// countKeys counts r's active keys and its others (published, or waiting).
func countKeys(r *pdnskeys.Keyring) (active, inactive int) {
	for _, key := range r.Keys {
		if key.Active {
			active++
		} else {
			inactive++
		}
	}
	return active, inactive
}

// ids returns the domains whose key rows are held.
func (k *keyrings) ids() []int64 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]int64, 0, len(k.ofID))
	for id := range k.ofID {
		out = append(out, id)
	}
	return out
}

// loadKeys reads the keys and DNSSEC settings of the domains ids, or of
// every domain when ids is nil, and serves each zone accordingly.
func (s *source) loadKeys(ctx context.Context, ids []int64) {
	keys, meta, err := s.readKeys(ctx, ids)
	if err != nil {
		if !keyWarned.Swap(true) {
			log.Warningf("Reading DNSSEC keys (cryptokeys, domainmetadata) failed, zones keep the keys they had: %v", err)
		}
		return
	}
	if ids == nil {
		// A full read: every domain that has keys now, or had.
		seen := map[int64]bool{}
		for id := range keys {
			seen[id] = true
		}
		for _, id := range s.keys.ids() {
			seen[id] = true
		}
		for id := range seen {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		s.applyKeys(id, keys[id], meta[id])
	}
}

// applyKeys makes the keys rows and metadata the keys of domain id. Every
// change to a zone brings its keys here; they are parsed again only when
// their rows changed (an RSA key takes a millisecond).
func (s *source) applyKeys(id int64, rows []pdnskeys.Row, meta []pdnskeys.MetaRow) {
	name, served := s.zones.Served(id)
	kr := keyRows{name: name, rows: rows, meta: meta}
	if !served || len(rows) == 0 {
		kr = keyRows{name: name} // metadata alone signs nothing
	}
	if s.keys.unchanged(id, kr) {
		return
	}
	if len(kr.rows) > 0 {
		r, errs := pdnskeys.New(name, rows, meta)
		for _, err := range errs {
			log.Errorf("Zone %s: %v", name, err)
		}
		if r.Secured() {
			kr.ring = r
		}
	}
	// Keys first, then the zone: SetDenial moves the zone's answer-cache Dep
	// on, and an answer stamped after that must see the new keys.
	zones, active, inactive := s.keys.set(id, kr)
	s.zones.SetDenial(id, denialOf(kr.ring))
	s.g.signed.Add(float64(zones))
	s.g.keysActive.Add(float64(active))
	s.g.keysInactive.Add(float64(inactive))
	if zones > 0 {
		// Said once per zone: where no sqlsign shares the block, the zone
		// goes out unsigned and resolvers that hold its DS fail it.
		log.Infof("Zone %s has active DNSSEC keys: signed online where sqlsign is in its server block, unsigned elsewhere", name)
	}
}

// denialOf is how a zone with keys r proves denial: NSEC, or NSEC3 as its
// NSEC3PARAM says; the signer adds DNSKEY (and CDS, CDNSKEY when published)
// at the apex, which its bitmaps must list.
func denialOf(r *pdnskeys.Keyring) *zone.Denial {
	if r == nil {
		return nil
	}
	d := &zone.Denial{NSEC3: r.Meta.NSEC3, ApexTypes: []uint16{dns.TypeDNSKEY}}
	if r.CDS(0) != nil {
		d.ApexTypes = append(d.ApexTypes, dns.TypeCDS)
	}
	if r.CDNSKEY(0) != nil {
		d.ApexTypes = append(d.ApexTypes, dns.TypeCDNSKEY)
	}
	return d
}

// forgetKeys drops every zone's keys, when the source stops.
func (s *source) forgetKeys() {
	for _, id := range s.keys.ids() {
		zones, active, inactive := s.keys.set(id, keyRows{})
		s.g.signed.Add(float64(zones))
		s.g.keysActive.Add(float64(active))
		s.g.keysInactive.Add(float64(inactive))
	}
}

// readKeys reads the key rows and DNSSEC metadata of the domains ids (every
// domain when nil), by domain id.
func (s *source) readKeys(ctx context.Context, ids []int64) (map[int64][]pdnskeys.Row, map[int64][]pdnskeys.MetaRow, error) {
	var (
		keys map[int64][]sqlstore.KeyRow
		meta map[int64][]sqlstore.MetaRow
	)
	err := timed("keys", func() (err error) {
		if keys, err = s.store.CryptoKeys(ctx, ids...); err != nil {
			return err
		}
		meta, err = s.store.DNSSECMetadata(ctx, ids...)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	outKeys := make(map[int64][]pdnskeys.Row, len(keys))
	for id, rows := range keys {
		for _, r := range rows {
			outKeys[id] = append(outKeys[id], pdnskeys.Row(r))
		}
	}
	outMeta := make(map[int64][]pdnskeys.MetaRow, len(meta))
	for id, rows := range meta {
		for _, r := range rows {
			outMeta[id] = append(outMeta[id], pdnskeys.MetaRow(r))
		}
	}
	return outKeys, outMeta, nil
}

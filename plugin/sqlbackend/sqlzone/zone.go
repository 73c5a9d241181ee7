// Package sqlzone makes the zone of one domain out of its rows in the
// PowerDNS generic schema (Build), and makes a new version of it when some of
// its rows changed, by row id, without reading the rest (Patch). It applies
// PowerDNS's rules (which rows are served, which of equal rows wins) on top
// of the zone engine (package zone), which answers queries. It knows nothing
// of the database or of the other zones.
package sqlzone

import (
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
)

// Zone is the zone of one domain as served. Its zone.Zone is never changed
// once built: a patch makes a new one, so queries read it without a lock.
type Zone struct {
	name    string // canonical
	served  *zone.Zone
	records int
	// index is kept for zones of patchMinRecords or more, so changes can be
	// patched in. A patch moves it to the new version (Patched.Zone).
	index rowIndex
}

// Served returns the zone to answer from.
func (z *Zone) Served() *zone.Zone { return z.served }

// Records returns how many records the zone holds.
func (z *Zone) Records() int { return z.records }

// SameSerial reports whether z and o carry the same SOA serial.
func (z *Zone) SameSerial(o *Zone) bool { return z.served.SOA().Serial == o.served.SOA().Serial }

// Patchable reports whether the record changes t names can be patched into
// z: z keeps an index, and t names records only, not too many of them
// (beyond a tenth of the zone, a rebuild costs less than the lookups).
func (z *Zone) Patchable(t *sqlstore.Touch) bool {
	return z.index != nil && !t.Whole && len(t.Records) > 0 && len(t.Records) <= max(100, len(z.index)/10)
}

// Built is what Build made of a domain's rows.
type Built struct {
	Zone      *Zone // nil when the zone has no usable SOA: not to be served
	Bad       int   // rows skipped because they make no valid record (each logged once)
	Dups      int   // rows equal to a record served for another row
	BadSOA    bool  // an enabled SOA row was there but did not parse
	Conflicts int   // names where a CNAME sits beside other data (logged once each)
}

// Build makes the zone of domain name (canonical) out of its enabled rows.
// shared, when not nil, is the names table of a load of many zones (see
// Names); without it the zone shares names within itself only.
func Build(name string, rows []sqlstore.Row, shared Names) Built {
	b := buildZone(name, rows, shared)
	out := Built{Bad: b.bad, Dups: b.dups, BadSOA: b.badSOA, Conflicts: b.conflicts}
	if b.zone != nil {
		out.Zone = &Zone{name: name, served: b.zone, records: b.records, index: b.index}
	}
	return out
}

// Patched is a zone with changed rows patched in, not yet served.
type Patched struct {
	Bad       int // change in the zone's bad rows
	Skipped   int // rows skipped because they make no valid record (each logged once)
	Conflicts int // CNAMEs found beside other data

	from  *Zone
	to    *Zone
	ids   []int64
	added rowIndex
}

// Patch makes a new version of z, the zone of domain id, with the rows ids
// changed to what rows (read after the change) hold. z is not changed. ok is
// false when the change cannot be patched (no index, an SOA change a rebuild
// must decide, rows equal to other rows...) and the zone must be rebuilt
// instead.
func Patch(z *Zone, domainID int64, ids []int64, rows []sqlstore.Row) (p *Patched, ok bool) {
	if z.index == nil {
		return nil, false
	}
	zp, ok := patchZone(z.served, domainID, z.index, ids, rows)
	if !ok {
		return nil, false
	}
	to := &Zone{name: z.name, served: zp.zone, records: z.records - zp.removed + zp.records}
	return &Patched{Bad: zp.bad, Skipped: zp.skipped, Conflicts: zp.conflicts, from: z, to: to, ids: ids, added: zp.added}, true
}

// Zone returns the patched zone, moving the index of the zone patched to it
// (a copy would cost as much as a rebuild). Call it once, and only to serve
// the result in place of the zone patched, which cannot be patched again.
func (p *Patched) Zone() *Zone {
	idx := p.from.index
	for _, rid := range p.ids {
		delete(idx, rid)
	}
	for rid, rr := range p.added {
		idx[rid] = rr
	}
	p.from.index, p.to.index = nil, idx
	return p.to
}

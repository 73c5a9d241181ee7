package sqlzone

import (
	"slices"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
	"github.com/miekg/dns"
)

// A change to a record of a big zone is patched into the zone rather than
// rebuilt: reading and building 200,000 rows takes about a second, reading
// and patching one row well under a millisecond. The change log names the
// record (record_id); the zone keeps, for every row it serves, the record
// built from it (rowIndex), so the old version can be taken out of a
// copy-on-write version of the zone (zone.Zone.Patch) and the new one put in.
// Small zones are rebuilt: that is cheap, and keeping an index for each of
// 100,000 small zones would not be.

// patchMinRecords is the size from which a zone keeps a rowIndex.
const patchMinRecords = 1000

// badRow stands in a rowIndex for a row skipped as bad, so that a patch that
// deletes or mends it keeps the bad_records gauge true.
var badRow dns.RR = new(dns.NULL)

// rowIndex maps a records.id to the record the zone serves for it, or to
// badRow for a row that does not make a valid record. Only Patched.Zone
// changes one, and only one goroutine at a time patches a zone (the feed's).
type rowIndex map[int64]dns.RR

// markBad notes in the index, if the zone keeps one, that row id is bad.
func (b *built) markBad(id int64) {
	if b.index != nil {
		b.index[id] = badRow
	}
}

// zonePatch is a zone with changed rows patched in: the new zone, the
// records of the rows it now serves, and how many records of the old one
// went.
type zonePatch struct {
	zone    *zone.Zone
	added   rowIndex
	removed int // records of the old zone that went
	records int // records of the new rows (added also holds badRow entries)
	bad     int // change in the zone's bad rows
	skipped int // rows skipped as bad, logged
	// conflicts counts the names touched where a CNAME now sits beside other data.
	conflicts int
}

// patchZone makes a new version of z, the zone of domain id, with the rows
// ids changed to what rows (read after the change) hold. idx is read, not
// written. ok is false when a rebuild must decide instead: rows equal to
// other rows (which one's record is served is the rebuild's call, as is
// which of two SOA rows wins), an SOA row that does not parse, or a change
// the zone refuses (its SOA gone).
func patchZone(z *zone.Zone, id int64, idx rowIndex, ids []int64, rows []sqlstore.Row) (p zonePatch, ok bool) {
	var del []dns.RR
	for _, rid := range ids {
		switch old := idx[rid].(type) {
		case nil:
		case shared:
			return zonePatch{}, false // equal rows: the rebuild keeps the record while one is left
		default:
			if old == badRow {
				p.bad-- // gone, or read again below
				continue
			}
			del = append(del, old)
			p.removed++
		}
	}
	p.added = rowIndex{}
	var add []dns.RR
	var addIDs []int64
	slices.SortFunc(rows, byID) // of equal rows the lowest id is served
	for _, r := range rows {
		if r.DomainID != id {
			continue // moved to another domain: its own change entry adds it there
		}
		rr, err := rowRR(z.Origin(), r)
		switch {
		case err != nil && isSOA(r.Type):
			return zonePatch{}, false // the rebuild keeps the zone as it was, and says why
		case err != nil:
			skipRow(z.Origin(), err)
			p.added[r.ID] = badRow
			p.bad++
			p.skipped++
		case rr != nil:
			add, addIDs = append(add, rr), append(addIDs, r.ID)
		}
	}
	nz, held, err := z.Patch(del, add)
	if err != nil {
		return zonePatch{}, false // e.g. no SOA, or two: the rebuild decides, and says why
	}
	if !p.index(add, addIDs, held) {
		return zonePatch{}, false
	}
	p.zone = nz
	p.conflicts = touchedConflicts(nz, add)
	return p, true
}

// index notes in p.added the record each added row now serves: its own, or,
// for a row equal to a row before it in this batch, none (the row before it
// holds the record, marked shared, as Build marks it). It reports false for a
// row equal to a record the zone served already: which row then holds the
// record is the rebuild's call.
func (p *zonePatch) index(add []dns.RR, ids []int64, held []dns.RR) bool {
	pos := make(map[dns.RR]int, len(add))
	for i, rr := range add {
		if held[i] == rr {
			pos[rr] = i
			p.added[ids[i]] = rr
			p.records++
			continue
		}
		j, ours := pos[held[i]]
		if !ours {
			return false
		}
		p.added[ids[j]] = shared{held[i]}
	}
	return true
}

// touchedConflicts logs and counts the owners of the records add where a
// CNAME now sits beside other data.
func touchedConflicts(z *zone.Zone, add []dns.RR) (n int) {
	seen := map[string]bool{}
	for _, rr := range add {
		owner := rr.Header().Name
		if seen[owner] {
			continue
		}
		seen[owner] = true
		if cnameBeside(z.Origin(), owner, z.Owner(owner)) {
			cnameConflict(z.Origin(), owner)
			n++
		}
	}
	return n
}

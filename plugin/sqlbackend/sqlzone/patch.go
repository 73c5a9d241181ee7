package sqlzone

import (
	"fmt"
	"slices"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/file/tree"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/miekg/dns"
)

// A change to a record of a big zone is patched into the zone rather than
// rebuilt: reading and building 200,000 rows takes about a second, reading
// and patching one row a few milliseconds. The change log names the record
// (record_id); the zone keeps, for every row it serves, the record built from
// it (rowIndex), so the old version can be taken out of a copy-on-write tree
// (patchTree) and the new one put in. Small zones are rebuilt: that is cheap,
// and keeping an index for each of 100,000 small zones would not be.

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
	zone    *file.Zone
	added   rowIndex
	removed int // records of the old zone that went
	records int // records of the new rows (added also holds badRow entries)
	bad     int // change in the zone's bad rows
	skipped int // rows skipped as bad, logged
	// conflicts counts the records added beside a CNAME, or a CNAME beside other data.
	conflicts int
}

// patchZone makes a copy of z, the zone of domain id named name, with the
// rows ids changed to what rows (read after the change) hold. idx is read,
// not written. ok is false when a rebuild must decide instead.
func patchZone(name string, id int64, z *file.Zone, idx rowIndex, ids []int64, rows []sqlstore.Row) (p zonePatch, ok bool) {
	z.RLock()
	apex := z.Apex
	z.RUnlock()

	// The old versions of the rows go: from the tree, or from the apex,
	// which file.Zone keeps apart. The SOA may only be replaced by its own
	// row (PowerDNS's API bumps the serial with every change); any other SOA
	// change, and signatures, are left to a rebuild.
	var del, add []dns.RR
	removed, bad, soaRow := 0, 0, int64(-1)
	skipped, conflicts := 0, 0
	for _, rid := range ids {
		old := idx[rid]
		if _, ok := old.(shared); ok {
			return zonePatch{}, false // equal rows: the rebuild keeps the record while one is left
		}
		switch {
		case old == nil:
			continue
		case old == badRow:
			bad-- // gone, or read again below
			continue
		case old == dns.RR(apex.SOA):
			soaRow = rid
		case isApexNS(name, old):
			apex.NS = without(apex.NS, old)
		case atApex(name, old):
			return zonePatch{}, false
		default:
			del = append(del, old)
		}
		removed++
	}
	added := rowIndex{}
	slices.SortFunc(rows, byID) // of equal rows the lowest id is served
	for _, r := range rows {
		if r.DomainID != id {
			continue // moved to another domain: its own change entry adds it there
		}
		rr, err := rowRR(name, r)
		scratch := file.NewZone(name, "")
		if err == nil && rr != nil {
			if err = scratch.Insert(rr); err != nil {
				err = fmt.Errorf("record %d: %v", r.ID, err)
			}
		}
		switch {
		case err != nil && isSOA(r.Type):
			return zonePatch{}, false // the rebuild keeps the zone as it was, and says why
		case err != nil:
			skipRow(name, err)
			added[r.ID] = badRow
			bad++
			skipped++
			continue
		case rr == nil:
			continue
		case kept(name, z.Tree, apex.NS, del, rr):
			return zonePatch{}, false // equal to a record served: the rebuild keeps the set
		case sameAs(added, rr):
			continue // equal to a row of this batch with a lower id, marked shared
		case scratch.SOA != nil:
			if r.ID != soaRow {
				return zonePatch{}, false // a second SOA row: which one wins is the rebuild's call
			}
			apex.SOA, soaRow = scratch.SOA, -1
		case len(scratch.NS) > 0:
			apex.NS = append(slices.Clip(apex.NS), rr)
		case len(scratch.SIGSOA) > 0 || len(scratch.SIGNS) > 0:
			return zonePatch{}, false
		default:
			if _, conflict := lookAt(name, z.Tree, apex.NS, rr); conflict {
				cnameConflict(name, rr.Header().Name)
				conflicts++
			}
			add = append(add, rr)
		}
		added[r.ID] = rr
	}
	if soaRow >= 0 {
		return zonePatch{}, false // the SOA row was deleted or disabled: the zone goes
	}

	nz := file.NewZone(name, "")
	nz.Apex = apex
	nz.Tree = patchTree(z.Tree, del, add)
	nz.Upstream = up
	records := 0
	for _, rr := range added {
		if rr != badRow {
			records++
		}
	}
	return zonePatch{zone: nz, added: added, removed: removed, records: records, bad: bad, skipped: skipped, conflicts: conflicts}, true
}

// kept reports whether rr equals a record that the patched zone keeps: in
// tree t less del, or in apexNS.
func kept(zone string, t *tree.Tree, apexNS, del []dns.RR, rr dns.RR) bool {
	k, _ := lookAt(zone, t, apexNS, rr)
	return k != nil && !slices.Contains(del, k)
}

// sameAs reports whether rr equals a record added by a row of this patch,
// and if so marks that row's record shared, as buildZone would.
func sameAs(added rowIndex, rr dns.RR) bool {
	for id, o := range added {
		if s, ok := o.(shared); ok {
			o = s.RR
		}
		if dns.IsDuplicate(o, rr) {
			added[id] = shared{o}
			return true
		}
	}
	return false
}

// atApex reports whether rr is one of the records file.Zone keeps apart from
// its tree: the SOA, the apex NS set and their signatures.
func atApex(zone string, rr dns.RR) bool {
	switch t := rr.(type) {
	case *dns.SOA:
		return true
	case *dns.RRSIG:
		return t.TypeCovered == dns.TypeSOA || (t.TypeCovered == dns.TypeNS && t.Hdr.Name == zone)
	}
	return isApexNS(zone, rr)
}

func isApexNS(zone string, rr dns.RR) bool {
	ns, ok := rr.(*dns.NS)
	return ok && ns.Hdr.Name == zone
}

// without returns rrs less the record old (by identity), in a new slice: the
// old one is still read by queries.
func without(rrs []dns.RR, old dns.RR) []dns.RR {
	out := make([]dns.RR, 0, len(rrs))
	for _, rr := range rrs {
		if rr != old {
			out = append(out, rr)
		}
	}
	return out
}

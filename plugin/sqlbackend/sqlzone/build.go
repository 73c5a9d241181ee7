package sqlzone

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	clog "github.com/coredns/coredns/plugin/pkg/log"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
	"github.com/miekg/dns"
)

// Logged as the plugin's own: these messages are the plugin's.
var log = clog.NewWithPlugin("sqlbackend")

// built is a zone made from its rows, with what the loader needs to decide
// whether to serve it.
type built struct {
	zone    *zone.Zone // nil when the zone has no usable SOA
	records int
	bad     int      // rows skipped
	dups    int      // rows equal to a record served for another row
	badSOA  bool     // an enabled SOA row was there but did not parse
	index   rowIndex // for zones of patchMinRecords or more, so changes can be patched in
	// conflicts counts the names where a CNAME sits beside other data.
	conflicts int
}

// buildZone makes the zone of domain name out of its enabled rows. Bad rows
// are logged with their id and skipped. A zone with no SOA (none, or
// disabled) is not served: zone is nil. shared, when not nil, is the names
// table of a load of many zones; without it the zone shares names within
// itself only.
func buildZone(name string, rows []sqlstore.Row, shared Names) built {
	b := built{}
	zb := zone.NewBuilder(name)
	if shared == nil {
		shared = Names{}
	}
	if len(rows) >= patchMinRecords {
		b.index = make(rowIndex, len(rows))
	}
	// Of equal rows the lowest id is served, as PowerDNS's lookup (by
	// index, then primary key) finds it first: that fixes which TTL wins.
	if !slices.IsSortedFunc(rows, byID) {
		slices.SortFunc(rows, byID)
	}
	var held map[dns.RR]bool // records that equal rows hold too; made on first use
	soaID := int64(0)
	for _, r := range rows {
		rr, err := rowRR(name, r)
		if _, ok := rr.(*dns.SOA); ok && err == nil && soaID != 0 {
			// Rows come in id order: of two SOA rows the lowest id wins,
			// so that every load of a broken zone serves the same one.
			err = fmt.Errorf("record %d: a second SOA, record %d is served", r.ID, soaID)
			rr = nil
		}
		var kept dns.RR
		if err == nil && rr != nil {
			shared.share(rr)
			// Add lower-cases the record in place and keeps this very
			// pointer, which is what the index must hold to delete it later.
			if kept, err = zb.Add(rr); err != nil {
				err = fmt.Errorf("record %d: %v", r.ID, err)
			}
		}
		switch {
		case err != nil:
			b.bad++
			skipRow(name, err)
			b.markBad(r.ID)
			b.badSOA = b.badSOA || (isSOA(r.Type) && soaID == 0)
		case rr == nil:
		case kept != rr:
			// Equal (TTL aside) to a record of a row before it: an RRset is
			// a set, and PowerDNS answers equal rows once.
			b.dups++
			if held == nil {
				held = map[dns.RR]bool{}
			}
			held[kept] = true
		default:
			if _, ok := rr.(*dns.SOA); ok {
				soaID = r.ID
			}
			b.records++
			if b.index != nil {
				b.index[r.ID] = rr
			}
		}
	}
	markShared(b.index, held)
	z, err := zb.Zone()
	if err != nil {
		return b // no SOA
	}
	b.zone = z
	b.conflicts = conflicts(z)
	return b
}

// conflicts logs (once each) and counts the names of z where a CNAME sits
// beside other data (RFC 1034 3.6.2), apex included: only the CNAME is
// answered there. One walk costs far less than a search per row.
func conflicts(z *zone.Zone) (n int) {
	z.Walk(func(owner string, rrs []dns.RR) bool {
		if cnameBeside(z.Origin(), owner, rrs) {
			cnameConflict(z.Origin(), owner)
			n++
		}
		return true
	})
	return n
}

// cnameBeside reports whether the records rrs of owner hold a CNAME beside
// other data. DNSSEC's RRSIG and NSEC may sit beside a CNAME; at the apex the
// SOA is always there.
func cnameBeside(origin, owner string, rrs []dns.RR) bool {
	cname, other := false, owner == origin
	for _, rr := range rrs {
		switch rr.Header().Rrtype {
		case dns.TypeCNAME:
			cname = true
		case dns.TypeRRSIG, dns.TypeNSEC:
		default:
			other = true
		}
	}
	return cname && other
}

// shared is, in a rowIndex, the record of a row that equal rows hold too:
// deleting the row must keep it, so patchZone leaves such changes to a
// rebuild. The equal rows themselves are in no index.
type shared struct{ dns.RR }

// markShared wraps, in idx, the records that held says other rows hold too.
// It reads the whole index, but only for a zone with equal rows.
func markShared(idx rowIndex, held map[dns.RR]bool) {
	if len(held) == 0 || idx == nil {
		return
	}
	for id, rr := range idx {
		if held[rr] {
			idx[id] = shared{rr}
		}
	}
}

func byID(a, b sqlstore.Row) int { return cmp.Compare(a.ID, b.ID) }

// rowRR is sqlstore.ToRR with the checks a zone adds: an SOA must sit at the
// apex.
func rowRR(name string, r sqlstore.Row) (dns.RR, error) {
	rr, err := sqlstore.ToRR(name, r)
	if err == nil && rr != nil {
		if soa, ok := rr.(*dns.SOA); ok && dns.CanonicalName(soa.Hdr.Name) != name {
			return nil, fmt.Errorf("record %d: SOA owner %s is not the zone apex", r.ID, soa.Hdr.Name)
		}
	}
	return rr, err
}

func isSOA(t string) bool { return strings.EqualFold(strings.TrimSpace(t), "SOA") }

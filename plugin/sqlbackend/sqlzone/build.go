package sqlzone

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/file/tree"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/pkg/upstream"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/miekg/dns"
)

// Logged as the plugin's own: these messages are the plugin's.
var log = clog.NewWithPlugin("sqlbackend")

// up resolves CNAME targets outside the zone, as the file plugin does.
var up = upstream.New()

// built is a zone made from its rows, with what the loader needs to decide
// whether to serve it.
type built struct {
	zone    *file.Zone // nil when the zone has no usable SOA
	records int
	bad     int      // rows skipped
	dups    int      // rows equal to a record served for another row
	badSOA  bool     // an enabled SOA row was there but did not parse
	index   rowIndex // for zones of patchMinRecords or more, so changes can be patched in
	// conflicts counts the names where a CNAME sits beside other data.
	conflicts int
}

// buildZone makes a file.Zone for domain name out of its enabled rows. Bad
// rows are logged with their id and skipped. A zone with no SOA (none, or
// disabled) is not served: zone is nil. shared, when not nil, is the names
// table of a load of many zones; without it the zone shares names within
// itself only.
func buildZone(name string, rows []sqlstore.Row, shared Names) built {
	b := built{}
	z := file.NewZone(name, "")
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
	soaID := int64(0)
	for _, r := range rows {
		rr, err := rowRR(name, r)
		if _, ok := rr.(*dns.SOA); ok && err == nil {
			// Rows come in no set order: of two SOA rows the lowest id wins,
			// so that every load of a broken zone serves the same one.
			if z.SOA != nil && r.ID > soaID {
				b.bad++
				skipRow(name, fmt.Errorf("record %d: a second SOA, record %d is served", r.ID, soaID))
				b.markBad(r.ID)
				continue
			}
			soaID = r.ID
		}
		if err == nil && rr != nil {
			shared.share(rr)
			// Insert lower-cases the record in place and keeps this very
			// pointer, which is what the index must hold to delete it later.
			err = z.Insert(rr)
			if err != nil {
				err = fmt.Errorf("record %d: %v", r.ID, err)
			}
		}
		if err != nil {
			b.bad++
			skipRow(name, err)
			b.markBad(r.ID)
			if isSOA(r.Type) {
				b.badSOA = true
			}
			continue
		}
		if rr != nil {
			b.records++
			if b.index != nil {
				b.index[r.ID] = rr
			}
		}
	}
	b.dups, b.conflicts = tidy(name, z, b.index)
	b.records -= b.dups
	if z.SOA == nil {
		return b
	}
	z.Upstream = up
	b.zone = z
	return b
}

// tidy goes once through zone z, built from rows in id order, and drops
// each record equal (TTL aside) to one before it in its set: an RRset is a
// set, PowerDNS answers equal rows once, and the lowest id's wins as in
// PowerDNS's lookup (by index, then primary key). It logs and counts the
// names where a CNAME sits beside other data. It returns how many records
// went, and how many names hold a CNAME beside other data; idx, if any, loses
// the records that went and marks the ones kept for them as shared. One walk
// costs far less than a tree search per row.
func tidy(zone string, z *file.Zone, idx rowIndex) (dups, conflicts int) {
	var gone map[dns.RR]dns.RR // dropped record -> the one kept; made on first use
	if len(dedupe(z.NS, nil)) < len(z.NS) {
		gone = map[dns.RR]dns.RR{}
		z.NS = dedupe(z.NS, gone)
	}
	z.Tree.Walk(func(e *tree.Elem, m map[uint16][]dns.RR) error {
		cname, other := false, strings.EqualFold(e.Name(), zone) // the SOA is at the apex
		var dups []uint16
		for t, rrs := range m {
			switch t {
			case dns.TypeCNAME:
				cname = true
			case dns.TypeRRSIG, dns.TypeNSEC: // may sit beside a CNAME
			default:
				other = true
			}
			if len(rrs) > 1 && len(dedupe(rrs, nil)) < len(rrs) {
				dups = append(dups, t)
			}
		}
		if cname && other {
			cnameConflict(zone, e.Name())
			conflicts++
		}
		if len(dups) > 0 && gone == nil {
			gone = map[dns.RR]dns.RR{}
		}
		for _, t := range dups {
			kept := dedupe(m[t], gone)
			e.Delete(kept[0]) // the type's whole set
			for _, rr := range kept {
				e.Insert(rr)
			}
		}
		return nil
	})
	if len(gone) > 0 && idx != nil {
		held := map[dns.RR]bool{}
		for id, rr := range idx {
			if k, ok := gone[rr]; ok {
				delete(idx, id)
				held[k] = true
			}
		}
		markShared(idx, held)
	}
	return len(gone), conflicts
}

// dedupe returns rrs without the records equal to one before them, noting
// each dropped one in gone (when not nil) with the record kept for it. It
// returns rrs itself when nothing goes.
func dedupe(rrs []dns.RR, gone map[dns.RR]dns.RR) []dns.RR {
	var out []dns.RR
	for i, rr := range rrs {
		j := slices.IndexFunc(rrs[:i], func(o dns.RR) bool { return dns.IsDuplicate(o, rr) })
		switch {
		case j >= 0 && out == nil:
			out = slices.Clone(rrs[:i])
			fallthrough
		case j >= 0:
			if gone != nil {
				gone[rr] = rrs[j]
			}
		case out != nil:
			out = append(out, rr)
		}
	}
	if out == nil {
		return rrs
	}
	return out
}

// shared is, in a rowIndex, the record of a row that equal rows hold too:
// deleting the row must keep it, so patchZone leaves such changes to a
// rebuild. The equal rows themselves are in no index.
type shared struct{ dns.RR }

// markShared wraps, in idx, the records that held says other rows hold too.
// It reads the whole index, but only for a zone with equal rows.
func markShared(idx rowIndex, held map[dns.RR]bool) {
	if len(held) == 0 {
		return
	}
	for id, rr := range idx {
		if held[rr] {
			idx[id] = shared{rr}
		}
	}
}

// lookAt reads, with one search of the tree of zone (and its apex NS set),
// the record equal to rr but for the TTL (kept, nil when none), and whether
// rr and the data at its owner make a CNAME beside other data (RFC 1034
// 3.6.2), apex included: the file plugin answers the CNAME alone there.
func lookAt(zone string, t *tree.Tree, apexNS []dns.RR, rr dns.RR) (kept dns.RR, conflict bool) {
	typ := rr.Header().Rrtype
	e, _ := t.Search(rr.Header().Name)
	rrs := apexNS
	if !isApexNS(zone, rr) {
		rrs = nil
		if e != nil {
			rrs = e.Type(typ)
		}
	}
	for _, o := range rrs {
		if dns.IsDuplicate(o, rr) {
			return o, false
		}
	}
	if typ == dns.TypeRRSIG || typ == dns.TypeNSEC {
		return nil, false // DNSSEC records may sit beside a CNAME
	}
	if typ == dns.TypeCNAME && dns.CanonicalName(rr.Header().Name) == zone {
		return nil, true // the SOA is there
	}
	if e == nil {
		return nil, false
	}
	for _, o := range e.Types() {
		switch {
		case o == dns.TypeRRSIG || o == dns.TypeNSEC || o == typ:
		case o == dns.TypeCNAME || typ == dns.TypeCNAME:
			return nil, true
		}
	}
	return nil, false
}

// cnameConflict logs (once) a CNAME beside other data at owner; the caller
// counts it.
func cnameConflict(zone, owner string) {
	if msg := fmt.Sprintf("Zone %s: CNAME beside other data at %s; only the CNAME is answered", zone, owner); firstReport(msg) {
		log.Warning(msg)
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

// skipRow logs a row that cannot be served, once; the caller counts it.
func skipRow(name string, err error) {
	if msg := fmt.Sprintf("Zone %s: skipping %v", name, err); firstReport(msg) {
		log.Warning(msg)
	}
}

func isSOA(t string) bool { return strings.EqualFold(strings.TrimSpace(t), "SOA") }

// reported holds the bad-row messages already logged: a zone is rebuilt at
// every change, and a zone that changes every second would otherwise log its
// bad rows every second. The plugin's bad_records_total metric still counts
// every skip. The set forgets everything past maxReported messages, to stay small.
var reported = struct {
	sync.Mutex
	seen map[string]bool
}{seen: map[string]bool{}}

const maxReported = 10000

// firstReport reports whether msg was not logged before.
func firstReport(msg string) bool {
	reported.Lock()
	defer reported.Unlock()
	if reported.seen[msg] {
		return false
	}
	if len(reported.seen) >= maxReported {
		clear(reported.seen)
	}
	reported.seen[msg] = true
	return true
}

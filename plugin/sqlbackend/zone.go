package sqlbackend

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/file/tree"
	"github.com/coredns/coredns/plugin/pkg/upstream"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/miekg/dns"
)

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
}

// buildZone makes a file.Zone for domain name out of its enabled rows. Bad
// rows are logged with their id and skipped. A zone with no SOA (none, or
// disabled) is not served: zone is nil. shared, when not nil, is the names
// table of a load of many zones; without it the zone shares names within
// itself only.
func buildZone(name string, rows []sqlstore.Row, shared names) built {
	b := built{}
	z := file.NewZone(name, "")
	if shared == nil {
		shared = names{}
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
	var held map[dns.RR]bool // records that equal rows hold too
	for _, r := range rows {
		rr, err := rowRR(name, r)
		if _, ok := rr.(*dns.SOA); ok && err == nil {
			// Rows come in no set order: of two SOA rows the lowest id wins,
			// so that every load of a broken zone serves the same one.
			if z.SOA != nil && r.ID > soaID {
				b.bad++
				skipRow(name, fmt.Errorf("record %d: a second SOA, record %d is served", r.ID, soaID))
				continue
			}
			soaID = r.ID
		}
		if err == nil && rr != nil {
			kept, conflict := lookAt(name, z.Tree, z.NS, rr)
			if kept != nil {
				// An RRset is a set: PowerDNS answers one record for
				// two equal rows, and so does the zone.
				b.dups++
				if b.index != nil {
					if held == nil {
						held = map[dns.RR]bool{}
					}
					held[kept] = true
				}
				continue
			}
			if conflict {
				cnameConflict(name, rr.Header().Name)
			}
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
	markShared(b.index, held)
	if z.SOA == nil {
		return b
	}
	z.Upstream = up
	b.zone = z
	return b
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

// cnameConflict counts and logs (once) a CNAME beside other data at owner.
func cnameConflict(zone, owner string) {
	cnameConflicts.Inc()
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

// skipRow counts a row that cannot be served and logs it, once.
func skipRow(name string, err error) {
	badRecords.Inc()
	if msg := fmt.Sprintf("Zone %s: skipping %v", name, err); firstReport(msg) {
		log.Warning(msg)
	}
}

func isSOA(t string) bool { return strings.EqualFold(strings.TrimSpace(t), "SOA") }

// reported holds the bad-row messages already logged: a zone is rebuilt at
// every change, and a zone that changes every second would otherwise log its
// bad rows every second. The bad_records_total metric still counts every
// skip. The set forgets everything past maxReported messages, to stay small.
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

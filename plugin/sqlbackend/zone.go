package sqlbackend

import (
	"fmt"
	"strings"
	"sync"

	"github.com/coredns/coredns/plugin/file"
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
	if z.SOA == nil {
		return b
	}
	z.Upstream = up
	b.zone = z
	return b
}

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

package sqlzone

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
)

// dumpZone prints what a zone serves: every name in canonical order with
// its records, each set sorted (the order within a set is not part of an
// answer's meaning).
func dumpZone(z *zone.Zone) string {
	if z == nil {
		return "<no zone>"
	}
	var b strings.Builder
	names := 0
	z.Walk(func(owner string, rrs []dns.RR) bool {
		var ss []string
		for _, rr := range rrs {
			ss = append(ss, rr.String())
		}
		sort.Strings(ss)
		fmt.Fprintf(&b, "%s\n  %s\n", owner, strings.Join(ss, "\n  "))
		names++
		return true
	})
	fmt.Fprintf(&b, "%d names, %d records\n", names, z.Records())
	return b.String()
}

// patchRows are rows of domain 0, "example.org.", chosen to reach every path
// of patchZone: the apex, wildcards, empty non-terminals, a delegation with
// glue, CNAMEs, identical rows, an SRV owner in mixed case (file.Zone keeps
// its case), and rows that do not parse.
var patchNames = []string{"example.org", "www.example.org", "mail.example.org", "*.wild.example.org",
	"a.b.ent.example.org", "deleg.example.org", "ns.deleg.example.org", "cname.example.org",
	"dup.example.org", "_sip._tcp.Example.org", "txt.example.org"}

// randomRow makes a row for owner with a random type and content; about one
// in fifteen does not parse.
func randomRow(r *rand.Rand, id int64, owner string) sqlstore.Row {
	row := sqlstore.Row{ID: id, Name: owner, TTL: int64(60 * (1 + r.IntN(3)))}
	switch r.IntN(15) {
	case 0:
		row.Type, row.Content = "A", "not-an-address"
	case 1:
		row.Type = "" // an empty non-terminal row: no record
	case 2, 3:
		row.Type, row.Content = "AAAA", fmt.Sprintf("2001:db8::%x", r.IntN(4))
	case 4:
		row.Type, row.Content = "TXT", fmt.Sprintf(`"v=%d"`, r.IntN(3))
	case 5:
		row.Type, row.Content = "MX", "mail.example.org"
		row.Prio = int64(10 * r.IntN(3))
	case 6:
		row.Type, row.Content = "CNAME", "www.example.org"
	case 7:
		row.Type, row.Content = "NS", fmt.Sprintf("ns%d.example.net", r.IntN(3))
	case 8:
		row.Type, row.Content = "SRV", "10 5060 sip.example.org"
		row.Prio = 10
	default:
		row.Type, row.Content = "A", fmt.Sprintf("192.0.2.%d", r.IntN(4))
	}
	return row
}

// TestPatchZoneMatchesRebuild applies random row changes to a zone with
// patchZone, rebuilding it where patchZone declines, and checks after every
// batch that the zone serves exactly what buildZone makes of the same rows.
// It also checks that the zone it patched from is left as it was.
func TestPatchZoneMatchesRebuild(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		const origin = "example.org."
		rows := map[int64]sqlstore.Row{
			1: {ID: 1, Name: "example.org", Type: "SOA", Content: "ns1.example.net hostmaster.example.net 1 7200 3600 1209600 300", TTL: 300},
			2: {ID: 2, Name: "example.org", Type: "NS", Content: "ns1.example.net", TTL: 300},
		}
		nextID := int64(3)
		for ; nextID < patchMinRecords+3; nextID++ {
			rows[nextID] = sqlstore.Row{ID: nextID, Name: fmt.Sprintf("h%d.example.org", nextID), Type: "A", Content: "198.51.100.1", TTL: 300}
		}
		firstRandom := nextID
		for range 60 {
			rows[nextID] = randomRow(r, nextID, patchNames[r.IntN(len(patchNames))])
			nextID++
		}
		zoneRows := func() []sqlstore.Row {
			var out []sqlstore.Row
			for _, row := range rows {
				if row.DomainID == 0 {
					out = append(out, row)
				}
			}
			sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
			return out
		}
		b := buildZone(origin, zoneRows(), nil)
		z, idx := b.zone, b.index
		if idx == nil {
			t.Fatalf("a zone of %d rows has no index", len(rows))
		}

		patched, rebuilt := 0, 0
		for step := range 300 {
			ids := map[int64]bool{}
			for range 1 + r.IntN(4) {
				var id int64
				switch op := r.IntN(10); {
				case op < 3: // a new row
					id = nextID
					nextID++
					rows[id] = randomRow(r, id, patchNames[r.IntN(len(patchNames))])
				case op == 3: // the SOA's serial bumped, as PowerDNS's API does
					id = 1
					soa := rows[1]
					soa.Content = fmt.Sprintf("ns1.example.net hostmaster.example.net %d 7200 3600 1209600 300", step+2)
					rows[1] = soa
				case op == 4 && r.IntN(20) == 0: // a second SOA row: rebuilt
					id = nextID
					nextID++
					rows[id] = sqlstore.Row{ID: id, Name: "example.org", Type: "SOA", Content: "ns2.example.net hostmaster.example.net 9 7200 3600 1209600 300", TTL: 300}
				default: // an existing row changed, deleted or moved to another domain
					for {
						id = int64(2 + r.IntN(int(nextID-2)))
						if r.IntN(10) > 0 { // mostly the interesting rows, not the filler
							id = firstRandom - 1 + int64(r.IntN(int(nextID-firstRandom+1)))
							if id == firstRandom-1 {
								id = 2 // the apex NS
							}
						}
						if _, ok := rows[id]; ok {
							break
						}
					}
					switch r.IntN(3) {
					case 0:
						rows[id] = randomRow(r, id, rows[id].Name)
					case 1:
						delete(rows, id)
					default:
						row := rows[id]
						row.DomainID = 7
						rows[id] = row
					}
				}
				ids[id] = true
			}
			var changedIDs []int64
			var changedRows []sqlstore.Row
			for id := range ids {
				changedIDs = append(changedIDs, id)
				if row, ok := rows[id]; ok {
					changedRows = append(changedRows, row)
				}
			}

			before := dumpZone(z)
			var p zonePatch
			ok := false
			if idx != nil { // as source.patch: a zone that became small has no index
				p, ok = patchZone(z, 0, idx, changedIDs, changedRows)
			}
			if after := dumpZone(z); after != before {
				t.Fatalf("seed %d step %d: patchZone changed the zone it patched from", seed, step)
			}
			if ok {
				patched++
				for _, id := range changedIDs {
					delete(idx, id)
				}
				for id, rr := range p.added {
					idx[id] = rr
				}
				z = p.zone
			} else {
				rebuilt++
				b := buildZone(origin, zoneRows(), nil)
				z, idx = b.zone, b.index
			}
			want := buildZone(origin, zoneRows(), nil)
			if got, w := dumpZone(z), dumpZone(want.zone); got != w {
				t.Fatalf("seed %d step %d (patched %t, ids %v): zone differs from a rebuild\npatched:\n%s\nrebuilt:\n%s", seed, step, ok, changedIDs, got, w)
			}
		}
		// Changes touching equal rows (one record, many rows) are left to
		// rebuilds: with these few names and values, a third to a half.
		if patched < 120 {
			t.Errorf("seed %d: only %d of 300 batches patched (%d rebuilt): the test does not test the patch", seed, patched, rebuilt)
		}
		t.Logf("seed %d: %d batches patched, %d rebuilt", seed, patched, rebuilt)
	}
}

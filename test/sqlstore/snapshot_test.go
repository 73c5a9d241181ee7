package sqlstore_test

import (
	"context"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	. "github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// TestSnapshot copies each kind of database into a snapshot file and reads
// the same domains and rows back: enabled rows only, NULL ttl and type kept
// as NULL; then replaces and deletes single zones.
func TestSnapshot(t *testing.T) {
	ctx := context.Background()
	for d, src := range stores(t) {
		t.Run(string(d), func(t *testing.T) {
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := src.DB.ExecContext(ctx, d.Rebind(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE'), (2, 'example.net', 'NATIVE')`)
			exec(`INSERT INTO records (id, domain_id, name, type, content, ttl, prio, disabled) VALUES
				(10, 1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 1 7200 3600 1209600 300', 300, 0, FALSE),
				(11, 1, 'example.org', 'MX', 'mail.example.org', NULL, 10, FALSE),
				(12, 1, 'b.ent.example.org', NULL, NULL, NULL, 0, FALSE),
				(13, 1, 'off.example.org', 'A', '192.0.2.9', 60, 0, TRUE),
				(20, 2, 'example.net', 'SOA', 'ns1.example.net hostmaster.example.net 1 7200 3600 1209600 300', 300, 0, FALSE)`)

			snap, err := OpenSnapshot(ctx, filepath.Join(t.TempDir(), "snapshot.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer snap.Close()
			// A stale copy is replaced whole.
			if err := snap.ReplaceZone(ctx, Domain{ID: 7, Name: "stale.example."}, nil); err != nil {
				t.Fatal(err)
			}
			if err := snap.CopyAll(ctx, src); err != nil {
				t.Fatalf("CopyAll: %v", err)
			}
			same := func(what string) {
				t.Helper()
				wantD, _ := src.Domains(ctx)
				gotD, err := snap.Domains(ctx)
				if err != nil || !reflect.DeepEqual(byID(gotD), byID(wantD)) {
					t.Fatalf("%s: snapshot domains %v (%v), want %v", what, gotD, err, wantD)
				}
				for _, dom := range wantD {
					want, _ := src.ZoneRows(ctx, dom.ID)
					got, err := snap.ZoneRows(ctx, dom.ID)
					sortRows(want)
					sortRows(got)
					if err != nil || !reflect.DeepEqual(got, want) {
						t.Fatalf("%s: zone %s rows\n got  %+v (%v)\n want %+v", what, dom.Name, got, err, want)
					}
				}
			}
			same("after CopyAll")

			exec(`UPDATE records SET content = 'mx2.example.org' WHERE id = 11`)
			exec(`DELETE FROM records WHERE domain_id = 2`)
			exec(`DELETE FROM domains WHERE id = 2`)
			exec(`INSERT INTO domains (id, name, type) VALUES (3, 'example.net', 'NATIVE')`)
			exec(`INSERT INTO records (id, domain_id, name, type, content, ttl, prio, disabled) VALUES
				(30, 3, 'example.net', 'SOA', 'ns1.example.net hostmaster.example.net 2 7200 3600 1209600 300', 300, 0, FALSE)`)
			for _, id := range []int64{1, 3} {
				dom, _, _ := src.Domain(ctx, id)
				rows, _ := src.ZoneRows(ctx, id)
				if err := snap.ReplaceZone(ctx, dom, rows); err != nil {
					t.Fatalf("ReplaceZone %d: %v", id, err)
				}
			}
			same("after ReplaceZone (a change, and a zone created again under a new id)")

			// Record changes copied row by row: a change, an insert, a disabled
			// row, and a row moved from domain 3 to 1, written in the order
			// that would lose it if the writes were not by id.
			exec(`UPDATE records SET content = 'mx3.example.org' WHERE id = 11`)
			exec(`INSERT INTO records (id, domain_id, name, type, content, ttl, prio, disabled) VALUES
				(14, 1, 'new.example.org', 'A', '192.0.2.14', 60, 0, FALSE),
				(31, 3, 'www.example.net', 'A', '192.0.2.31', 60, 0, FALSE)`)
			if err := snap.ReplaceZone(ctx, Domain{ID: 3, Name: "example.net."}, mustRows(src.ZoneRows(ctx, 3))); err != nil {
				t.Fatal(err)
			}
			exec(`UPDATE records SET disabled = TRUE WHERE id = 14`)
			exec(`UPDATE records SET domain_id = 1, name = 'moved.example.org' WHERE id = 31`)
			changed := []int64{11, 14, 31}
			rows, err := src.RowsByID(ctx, changed)
			if err != nil {
				t.Fatal(err)
			}
			if err := snap.ReplaceRows(ctx, 1, changed, rows); err != nil {
				t.Fatalf("ReplaceRows 1: %v", err)
			}
			if err := snap.ReplaceRows(ctx, 3, []int64{31}, rows); err != nil {
				t.Fatalf("ReplaceRows 3: %v", err)
			}
			same("after ReplaceRows")

			// The root zone is stored with an empty name, which deleting
			// another zone by id must not match.
			if err := snap.ReplaceZone(ctx, Domain{ID: 9, Name: "."}, []Row{{ID: 90, DomainID: 9, Name: "", Type: "NS", Content: "a.root-servers.net", TTL: 60}}); err != nil {
				t.Fatal(err)
			}
			if err := snap.DeleteZone(ctx, 3); err != nil {
				t.Fatal(err)
			}
			if rows, _ := snap.ZoneRows(ctx, 3); len(rows) != 0 {
				t.Errorf("rows left after DeleteZone: %v", rows)
			}
			if doms, _ := snap.Domains(ctx); !reflect.DeepEqual(byID(doms), map[int64]string{1: "example.org.", 9: "."}) {
				t.Errorf("domains after DeleteZone: %v", doms)
			}
			if rows, _ := snap.ZoneRows(ctx, 9); len(rows) != 1 {
				t.Errorf("root zone rows after deleting another zone: %v", rows)
			}
		})
	}
}

func sortRows(rows []Row) { sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID }) }

func mustRows(rows []Row, err error) []Row {
	if err != nil {
		panic(err)
	}
	return rows
}

func byID(ds []Domain) map[int64]string {
	m := map[int64]string{}
	for _, d := range ds {
		m[d.ID] = d.Name
	}
	return m
}

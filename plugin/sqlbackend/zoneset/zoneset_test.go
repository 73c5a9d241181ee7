package zoneset

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// storeReader reads an SQLite file, as the plugin reads its database.
type storeReader struct{ st *sqlstore.Store }

func (r storeReader) Domain(ctx context.Context, id int64, rows bool) (sqlstore.Domain, bool, []sqlstore.Row, error) {
	d, ok, err := r.st.Domain(ctx, id)
	if err != nil || !ok || !rows {
		return d, ok, nil, err
	}
	rs, err := r.st.ZoneRows(ctx, id)
	return d, ok, rs, err
}

func (r storeReader) Rows(ctx context.Context, ids []int64) ([]sqlstore.Row, error) {
	return r.st.RowsByID(ctx, ids)
}

func (r storeReader) Cold(ctx context.Context, id int64) ([]sqlstore.Row, error) {
	return r.st.ZoneRows(ctx, id)
}

const seed = `
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE'), (2, 'a.b.example.org', 'NATIVE'), (3, 'nosoa.org', 'NATIVE');
INSERT INTO records (id, domain_id, name, type, content, ttl, prio, disabled) VALUES
 (1, 1, 'example.org', 'SOA', 'ns.example.org hm.example.org 1 2 3 4 5', 60, 0, 0),
 (2, 1, 'www.example.org', 'A', '192.0.2.1', 60, 0, 0),
 (3, 2, 'a.b.example.org', 'SOA', 'ns.example.org hm.example.org 1 2 3 4 5', 60, 0, 0),
 (4, 2, 'x.a.b.example.org', 'A', '192.0.2.2', 60, 0, 0),
 (5, 3, 'www.nosoa.org', 'A', '192.0.2.3', 60, 0, 0);
`

func openSeeded(t *testing.T) *sqlstore.Store {
	t.Helper()
	dir := t.TempDir()
	seedFile := filepath.Join(dir, "seed.sql")
	if err := os.WriteFile(seedFile, []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "z.db")
	if err := sqlstore.SeedSQLite(context.Background(), path, seedFile); err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// fullLoad loads s from st as the plugin does.
func fullLoad(t *testing.T, s *Set, st *sqlstore.Store) []string {
	t.Helper()
	ctx := context.Background()
	doms, err := st.Domains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	index := map[int64]string{}
	for _, d := range doms {
		index[d.ID] = d.Name
	}
	l := s.NewLoad(index)
	if !s.Evicting() {
		for id := range index {
			rows, err := st.ZoneRows(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) > 0 {
				l.Add(id, rows)
			}
		}
	}
	return s.Install(l)
}

// TestOnePath: with and without a bound, the set finds the longest zone,
// skips a zone without SOA for its parent, and follows a zone that loses its
// SOA, gains one, is renamed and is deleted.
func TestOnePath(t *testing.T) {
	for _, bound := range []int{0, 1000} {
		t.Run(map[int]string{0: "eager", 1000: "lazy"}[bound], func(t *testing.T) {
			ctx := context.Background()
			st := openSeeded(t)
			s := New(bound, storeReader{st}, testMetrics())
			fullLoad(t, s, st)
			match := func(qname, want string) {
				t.Helper()
				name, z, err := s.Match(ctx, qname)
				if err != nil || name != want || (z == nil) != (want == "") {
					t.Errorf("Match(%s) = %q, zone %v, %v; want %q", qname, name, z != nil, err, want)
				}
				checkRoutes(t, s)
			}
			exec := func(q string) {
				t.Helper()
				if _, err := st.DB.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			apply := func(id int64, want ...string) {
				t.Helper()
				got, err := s.Apply(ctx, id, &sqlstore.Touch{Whole: true})
				slices.Sort(got)
				if err != nil || !slices.Equal(got, want) {
					t.Errorf("Apply(%d) = %v, %v; want %v", id, got, err, want)
				}
			}
			match("www.x.a.b.example.org.", "a.b.example.org.")
			match("www.example.org.", "example.org.")
			match("www.nosoa.org.", "")
			match("example.net.", "")
			if _, ok := s.Served(3); ok && bound == 0 {
				t.Error("nosoa.org served")
			}

			exec(`UPDATE records SET disabled = 1 WHERE id = 3`)
			apply(2, "a.b.example.org.")
			match("www.x.a.b.example.org.", "example.org.")

			exec(`INSERT INTO records (id, domain_id, name, type, content, ttl, prio, disabled) VALUES (6, 3, 'nosoa.org', 'SOA', 'ns.example.org hm.example.org 1 2 3 4 5', 60, 0, 0)`)
			apply(3, "nosoa.org.")
			match("www.nosoa.org.", "nosoa.org.")

			exec(`UPDATE domains SET name = 'example.com' WHERE id = 1`)
			exec(`UPDATE records SET name = 'www.example.com' WHERE id = 2`)
			exec(`UPDATE records SET name = 'example.com' WHERE id = 1`)
			apply(1, "example.com.", "example.org.")
			match("www.example.com.", "example.com.")
			match("www.example.org.", "")

			exec(`DELETE FROM records WHERE domain_id = 3`)
			exec(`DELETE FROM domains WHERE id = 3`)
			apply(3, "nosoa.org.")
			match("www.nosoa.org.", "")
			if _, ok := s.Served(3); ok {
				t.Error("deleted domain still served")
			}

			// A full load again: only what differs is reported changed.
			if got := fullLoad(t, s, st); bound == 0 && len(got) != 0 {
				t.Errorf("reload of unchanged zones reported %v changed", got)
			}
			match("www.example.com.", "example.com.")
		})
	}
}

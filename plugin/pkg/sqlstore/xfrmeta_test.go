package sqlstore

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func sqliteStore(t *testing.T) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "z.db")
	if err := SeedSQLite(context.Background(), path, ""); err != nil {
		t.Fatal(err)
	}
	s, err := Open(SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestXfrMetadataAndTSIGKeysSQLite(t *testing.T) {
	ctx := context.Background()
	s := sqliteStore(t)
	for _, q := range []string{
		`INSERT INTO domains (id, name, type) VALUES (1, 'a.test', 'NATIVE'), (2, 'b.test', 'NATIVE')`,
		`INSERT INTO domainmetadata (id, domain_id, kind, content) VALUES
		 (3, 1, 'ALSO-NOTIFY', '192.0.2.1'), (2, 1, 'ALLOW-AXFR-FROM', '192.0.2.0/24'), (4, 1, 'SOA-EDIT', 'INCEPTION-EPOCH'),
		 (5, 2, 'TSIG-ALLOW-AXFR', 'K1.'), (6, 2, 'AXFR-MASTER-TSIG', NULL)`,
		`INSERT INTO tsigkeys (id, name, algorithm, secret) VALUES (2, 'k1', 'hmac-sha256', 's1'), (1, 'K2.', 'hmac-sha1', 's2'), (3, 'k3', 'hmac-sha256', NULL)`,
	} {
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.XfrMetadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64][]MetaRow{
		1: {{"ALLOW-AXFR-FROM", "192.0.2.0/24"}, {"ALSO-NOTIFY", "192.0.2.1"}},
		2: {{"TSIG-ALLOW-AXFR", "K1."}, {"AXFR-MASTER-TSIG", ""}},
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("XfrMetadata() = %v, want %v", all, want)
	}
	one, err := s.XfrMetadata(ctx, 2)
	if err != nil || !reflect.DeepEqual(one, map[int64][]MetaRow{2: want[2]}) {
		t.Errorf("XfrMetadata(2) = %v, %v", one, err)
	}
	keys, err := s.TSIGKeys(ctx)
	if err != nil || len(keys) != 3 || keys[0].Name != "K2." || keys[2].Secret != "" {
		t.Errorf("TSIGKeys() = %v, %v", keys, err)
	}
	// Names match without regard to case or the trailing dot.
	keys, err = s.TSIGKeys(ctx, "k2", "k1", "none")
	if want := []TSIGKeyRow{{"K2.", "hmac-sha1", "s2"}, {"k1", "hmac-sha256", "s1"}}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("TSIGKeys(k2, k1, none) = %v, %v; want %v", keys, err, want)
	}
}

// TestTSIGKeyTriggersSQLite: a change to a key logs a change of each zone
// naming it, and of no other.
func TestTSIGKeyTriggersSQLite(t *testing.T) {
	ctx := context.Background()
	s := sqliteStore(t)
	if err := s.EnsureTSIGKeyTriggers(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureTSIGKeyTriggers(ctx); err != nil {
		t.Fatalf("second run: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO domains (id, name, type) VALUES (1, 'a.test', 'NATIVE'), (2, 'b.test', 'NATIVE'), (3, 'c.test', 'NATIVE')`,
		`INSERT INTO domainmetadata (domain_id, kind, content) VALUES
		 (1, 'TSIG-ALLOW-AXFR', 'xfr.'), (2, 'AXFR-MASTER-TSIG', 'XFR'), (3, 'TSIG-ALLOW-AXFR', 'other')`,
	} {
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q    string
		want []int64
	}{
		{`INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('xfr', 'hmac-sha256', 's')`, []int64{1, 2}},
		{`UPDATE tsigkeys SET secret = 't' WHERE name = 'xfr'`, []int64{1, 2}},
		{`UPDATE tsigkeys SET name = 'other' WHERE name = 'xfr'`, []int64{1, 2, 3}},
		{`DELETE FROM tsigkeys`, []int64{3}},
		{`INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('unused', 'hmac-sha256', 's')`, nil},
	} {
		from, err := s.MaxChangeID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB.Exec(tc.q); err != nil {
			t.Fatal(err)
		}
		changes, err := s.Changes(ctx, from, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, c := range changes {
			if !slices.Contains(got, c.DomainID) {
				got = append(got, c.DomainID)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: changes of domains %v, want %v", tc.q, got, tc.want)
		}
	}
}

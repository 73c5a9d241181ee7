package sqlstore

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSignedDomainsSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "z.db")
	if err := SeedSQLite(ctx, path, ""); err != nil {
		t.Fatal(err)
	}
	s, err := Open(SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		`INSERT INTO domains (id, name, type) VALUES (1, 'a.test', 'NATIVE'), (2, 'b.test', 'NATIVE'), (3, 'c.test', 'NATIVE')`,
		`INSERT INTO cryptokeys (domain_id, flags, active, published, content) VALUES (1, 257, 1, 1, 'k'), (1, 256, 1, 1, 'k'), (2, 257, 0, 1, 'k'), (3, 257, NULL, 1, 'k')`,
	} {
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		ids  []int64
		want map[int64]bool
	}{
		{nil, map[int64]bool{1: true}},
		{[]int64{2, 3}, map[int64]bool{}},
		{[]int64{1, 2}, map[int64]bool{1: true}},
	} {
		got, err := s.SignedDomains(ctx, tc.ids...)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SignedDomains(%v) = %v, %v; want %v", tc.ids, got, err, tc.want)
		}
	}

	// A minimal schema without the table has no signed domains, and no error.
	if _, err := s.DB.Exec(`DROP TABLE cryptokeys`); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SignedDomains(ctx); err != nil || len(got) != 0 {
		t.Errorf("without cryptokeys: %v, %v; want none, no error", got, err)
	}
	// Any other failure is one.
	s.Close()
	if _, err := s.SignedDomains(ctx, 1); err == nil {
		t.Error("no error from a closed store")
	}
}

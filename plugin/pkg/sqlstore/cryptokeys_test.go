package sqlstore

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCryptoKeysAndMetadataSQLite(t *testing.T) {
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
		// Row 2 is inserted before row 1 so that the id order is visible;
		// active 2 is not "1", which is all PowerDNS calls active.
		`INSERT INTO cryptokeys (id, domain_id, flags, active, published, content) VALUES
		 (2, 1, 256, 1, 0, 'zsk'), (1, 1, 257, 1, 1, 'ksk'), (3, 2, 257, NULL, NULL, NULL), (4, 3, 256, 2, 1, 'x')`,
		`INSERT INTO domainmetadata (id, domain_id, kind, content) VALUES
		 (5, 1, 'NSEC3PARAM', '1 0 0 -'), (4, 1, 'SOA-EDIT', 'INCEPTION-EPOCH'), (6, 1, 'ALSO-NOTIFY', '192.0.2.1'),
		 (7, 2, 'nsec3narrow', '1'), (8, 2, 'PUBLISH-CDS', NULL), (9, 3, 'TSIG-ALLOW-AXFR', 'k')`,
	} {
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	allKeys := map[int64][]KeyRow{
		1: {{ID: 1, Flags: 257, Active: true, Published: true, Content: "ksk"}, {ID: 2, Flags: 256, Active: true, Content: "zsk"}},
		2: {{ID: 3, Flags: 257}},
		3: {{ID: 4, Flags: 256, Published: true, Content: "x"}},
	}
	// SQLite's kind column is COLLATE NOCASE, so "nsec3narrow" is returned;
	// pdnskeys, like PowerDNS, then ignores it.
	allMeta := map[int64][]MetaRow{
		1: {{"SOA-EDIT", "INCEPTION-EPOCH"}, {"NSEC3PARAM", "1 0 0 -"}},
		2: {{"nsec3narrow", "1"}, {"PUBLISH-CDS", ""}},
	}
	for _, tc := range []struct {
		ids []int64
		k   map[int64][]KeyRow
		m   map[int64][]MetaRow
	}{
		{nil, allKeys, allMeta},
		{[]int64{2, 9}, map[int64][]KeyRow{2: allKeys[2]}, map[int64][]MetaRow{2: allMeta[2]}},
		{[]int64{3}, map[int64][]KeyRow{3: allKeys[3]}, map[int64][]MetaRow{}},
	} {
		k, err := s.CryptoKeys(ctx, tc.ids...)
		if err != nil || !reflect.DeepEqual(k, tc.k) {
			t.Errorf("CryptoKeys(%v) = %v, %v; want %v", tc.ids, k, err, tc.k)
		}
		m, err := s.DNSSECMetadata(ctx, tc.ids...)
		if err != nil || !reflect.DeepEqual(m, tc.m) {
			t.Errorf("DNSSECMetadata(%v) = %v, %v; want %v", tc.ids, m, err, tc.m)
		}
	}

	// More ids than one batch holds.
	many := make([]int64, 2*idBatch+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	if k, err := s.CryptoKeys(ctx, many...); err != nil || !reflect.DeepEqual(k, allKeys) {
		t.Errorf("CryptoKeys(1..%d) = %v, %v; want %v", len(many), k, err, allKeys)
	}

	// A minimal schema without the tables has no rows, and no error.
	for _, q := range []string{`DROP TABLE cryptokeys`, `DROP TABLE domainmetadata`} {
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if k, err := s.CryptoKeys(ctx); err != nil || len(k) != 0 {
		t.Errorf("without cryptokeys: %v, %v; want none, no error", k, err)
	}
	if m, err := s.DNSSECMetadata(ctx, 1); err != nil || len(m) != 0 {
		t.Errorf("without domainmetadata: %v, %v; want none, no error", m, err)
	}
	s.Close()
	if _, err := s.CryptoKeys(ctx); err == nil {
		t.Error("CryptoKeys: no error from a closed store")
	}
	if _, err := s.DNSSECMetadata(ctx); err == nil {
		t.Error("DNSSECMetadata: no error from a closed store")
	}
}

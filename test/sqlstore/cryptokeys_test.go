package sqlstore_test

import (
	"context"
	"reflect"
	"testing"

	. "github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// TestCryptoKeysDialects reads keys and DNSSEC metadata on each database:
// PostgreSQL's active and published are booleans, MySQL's and SQLite's
// numbers, and NULL is false everywhere (as PowerDNS's queries read them).
func TestCryptoKeysDialects(t *testing.T) {
	ctx := context.Background()
	for d, s := range stores(t) {
		t.Run(string(d), func(t *testing.T) {
			for _, q := range []string{
				`INSERT INTO domains (id, name, type) VALUES (1, 'a.test', 'NATIVE'), (2, 'b.test', 'NATIVE')`,
				`INSERT INTO cryptokeys (id, domain_id, flags, active, published, content) VALUES
				 (1, 1, 257, TRUE, TRUE, 'ksk'), (2, 1, 256, TRUE, FALSE, 'zsk'), (3, 2, 257, NULL, NULL, NULL)`,
				`INSERT INTO domainmetadata (id, domain_id, kind, content) VALUES
				 (1, 1, 'NSEC3PARAM', '1 0 0 ab'), (2, 1, 'PUBLISH-CDS', '2'), (3, 1, 'ALLOW-AXFR-FROM', 'AUTO-NS'), (4, 2, 'PRESIGNED', NULL)`,
			} {
				if _, err := s.DB.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			keys, err := s.CryptoKeys(ctx)
			want := map[int64][]KeyRow{
				1: {{ID: 1, Flags: 257, Active: true, Published: true, Content: "ksk"}, {ID: 2, Flags: 256, Active: true, Content: "zsk"}},
				2: {{ID: 3, Flags: 257}},
			}
			if err != nil || !reflect.DeepEqual(keys, want) {
				t.Errorf("CryptoKeys = %v, %v; want %v", keys, err, want)
			}
			meta, err := s.DNSSECMetadata(ctx, 1, 2)
			wantMeta := map[int64][]MetaRow{
				1: {{Kind: "NSEC3PARAM", Content: "1 0 0 ab"}, {Kind: "PUBLISH-CDS", Content: "2"}},
				2: {{Kind: "PRESIGNED"}},
			}
			if err != nil || !reflect.DeepEqual(meta, wantMeta) {
				t.Errorf("DNSSECMetadata = %v, %v; want %v", meta, err, wantMeta)
			}
		})
	}
}

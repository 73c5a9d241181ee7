package access

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/miekg/dns"
)

func TestSQLKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "z.db")
	if err := sqlstore.SeedSQLite(ctx, path, ""); err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.DB.Exec(`INSERT INTO tsigkeys (name, algorithm, secret) VALUES
		('Xfr-Key', 'hmac-sha256', 'c2VjcmV0'), ('old', 'hmac-md5', 'c2VjcmV0')`); err != nil {
		t.Fatal(err)
	}
	keys, errs := SQLKeys(ctx, st)
	want := xfrmeta.Key{Name: "xfr-key.", Algorithm: dns.HmacSHA256, Secret: "c2VjcmV0"}
	if len(keys) != 1 || keys["xfr-key."] != want || len(errs) != 1 {
		t.Errorf("SQLKeys = %v, %v", keys, errs)
	}
}

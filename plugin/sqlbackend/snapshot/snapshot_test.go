package snapshot

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// TestCopyAllThenChanges: the copy of an SQLite database holds its zones
// after CopyAll, and a changed record after CopyZone names it.
func TestCopyAllThenChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.sql")
	if err := os.WriteFile(seed, []byte(`INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO records (id, domain_id, name, type, content, ttl, prio, disabled) VALUES
 (1, 1, 'example.org', 'SOA', 'ns.example.org hm.example.org 1 2 3 4 5', 60, 0, 0),
 (2, 1, 'www.example.org', 'A', '192.0.2.1', 60, 0, 0);`), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "db.sqlite")
	if err := sqlstore.SeedSQLite(ctx, dbPath, seed); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(sqlstore.SQLite, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sn, err := Open(filepath.Join(dir, "copy.sqlite"), db, func(_ string, op func() error) error { return op() })
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	done := make(chan struct{})
	go func() { defer close(done); sn.Run(ctx) }()
	defer func() { cancel(); <-done }()

	wantContent := func(content string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			rows, err := sn.ZoneRows(ctx, 1)
			for _, r := range rows {
				if r.ID == 2 && r.Content == content {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("copy holds %+v (%v), want record 2 with %s", rows, err, content)
			}
		}
	}
	sn.CopyAll()
	wantContent("192.0.2.1")
	if doms, err := sn.Domains(ctx); err != nil || len(doms) != 1 || doms[0].Name != "example.org." {
		t.Errorf("domains of the copy: %v, %v", doms, err)
	}
	if _, err := db.DB.Exec(`UPDATE records SET content = '192.0.2.2' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	sn.CopyZone(1, &sqlstore.Touch{Records: map[int64]struct{}{2: {}}})
	wantContent("192.0.2.2")
}

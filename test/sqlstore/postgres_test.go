package sqlstore_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	. "github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
)

func newPostgresStore(t *testing.T) (*Store, *harness.Postgres) {
	t.Helper()
	p := harness.NewPostgres(t)
	return withSchema(t, Postgres, p.DSN), p
}

// triggerOIDs returns the hostdns triggers by name, with their object ids:
// a trigger dropped and created again gets a new one.
func triggerOIDs(t *testing.T, s *Store) map[string]int64 {
	t.Helper()
	rows, err := s.DB.Query(`SELECT tgname::text, oid::bigint FROM pg_trigger WHERE tgname::text LIKE 'hostdns_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var oid int64
		if err := rows.Scan(&name, &oid); err != nil {
			t.Fatal(err)
		}
		out[name] = oid
	}
	return out
}

// TestPostgresEnsureSchemaKeepsTriggers: a second start neither drops nor
// re-creates the triggers, and a trigger an operator dropped comes back.
func TestPostgresEnsureSchemaKeepsTriggers(t *testing.T) {
	ctx := context.Background()
	s, _ := newPostgresStore(t)
	before := triggerOIDs(t, s)
	if len(before) != 6 {
		t.Fatalf("triggers %v, want 6", before)
	}
	if err := s.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	if after := triggerOIDs(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("triggers after a second EnsureSchema %v, want the same as before %v", after, before)
	}
	if _, err := s.DB.Exec(`DROP TRIGGER hostdns_records_au ON records`); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	after := triggerOIDs(t, s)
	if len(after) != 6 || after["hostdns_records_ai"] != before["hostdns_records_ai"] || after["hostdns_records_au"] == 0 {
		t.Errorf("triggers %v, want hostdns_records_au back and the others kept (%v)", after, before)
	}
}

// TestPostgresWriterNeedsNoGrant: a writer allowed only on the PowerDNS
// tables, as a control panel's account is, still has its writes logged: the
// trigger functions run with their owner's rights.
func TestPostgresWriterNeedsNoGrant(t *testing.T) {
	ctx := context.Background()
	s, p := newPostgresStore(t)
	role := p.Name + "_writer"
	exec := func(q string) {
		t.Helper()
		if _, err := s.DB.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE ROLE "` + role + `" NOLOGIN`)
	t.Cleanup(func() {
		s.DB.Exec(`DROP OWNED BY "` + role + `"`)
		s.DB.Exec(`DROP ROLE "` + role + `"`)
	})
	exec(`GRANT SELECT, INSERT, UPDATE, DELETE ON domains, records TO "` + role + `"`)
	exec(`GRANT USAGE ON SEQUENCE domains_id_seq, records_id_seq TO "` + role + `"`)

	conn, err := s.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		`SET ROLE "` + role + `"`,
		`INSERT INTO domains (id, name, type) VALUES (3, 'example.org', 'NATIVE')`,
		`INSERT INTO records (domain_id, name, type, content, ttl) VALUES (3, 'www.example.org', 'A', '192.0.2.1', 60)`,
		`RESET ROLE`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `SET ROLE "`+role+`"`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT COUNT(*) FROM hostdns_changes`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("the writer reads the change log (err %v): the test does not test what it says", err)
	}
	conn.ExecContext(ctx, `RESET ROLE`)

	changes, err := s.Changes(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].DomainID != 3 || changes[1].DomainID != 3 {
		t.Errorf("changes %+v, want two for domain 3", changes)
	}
	if age := time.Since(changes[1].At); age < 0 || age > time.Minute {
		t.Errorf("change time %s is %s away from now", changes[1].At, age)
	}
}

package sqlbackend

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/miekg/dns"
)

// newTestBackend serves a new SQLite file seeded with seed, and waits for
// the first load.
func newTestBackend(t *testing.T, origins []string, seed string) (*SQLBackend, *sqlstore.Store) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "z.db")
	seedFile := filepath.Join(dir, "seed.sql")
	if err := writeFile(seedFile, seed); err != nil {
		t.Fatal(err)
	}
	b := &SQLBackend{Origins: chainlookup.NewZones(origins)}
	src, err := acquire(config{dialect: sqlstore.SQLite, dsn: path, seed: seedFile, ensureSchema: true, poll: 20 * time.Millisecond, gapTimeout: time.Second}, b)
	if err != nil {
		t.Fatal(err)
	}
	b.src.Store(src)
	t.Cleanup(src.release)
	for deadline := time.Now().Add(10 * time.Second); !src.loaded.Load(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("first load not done within 10s")
		}
	}
	st, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return b, st
}

const testSeed = `
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE'), (2, 'a.b.example.org', 'NATIVE'), (3, 'nosoa.org', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled) VALUES
 (1, 'example.org', 'SOA', 'ns.example.org hm.example.org 1 2 3 4 5', 60, 0, 0),
 (1, 'www.example.org', 'A', '192.0.2.1', 60, 0, 0),
 (1, 'example.org', 'MX', 'mail.example.org', 60, 10, 0),
 (2, 'a.b.example.org', 'SOA', 'ns.example.org hm.example.org 9 2 3 4 5', 60, 0, 0),
 (2, 'x.a.b.example.org', 'A', '192.0.2.2', 60, 0, 0),
 (3, 'nosoa.org', 'A', '192.0.2.3', 60, 0, 0);
`

func TestMatchLongestZone(t *testing.T) {
	b, _ := newTestBackend(t, []string{"."}, testSeed)
	src := b.src.Load()
	for q, want := range map[string]string{
		"example.org.":            "example.org.",
		"www.example.org.":        "example.org.",
		"b.example.org.":          "example.org.",
		"a.b.example.org.":        "a.b.example.org.",
		"deep.x.a.b.example.org.": "a.b.example.org.",
		"nosoa.org.":              "",
		"org.":                    "",
		".":                       "",
	} {
		if got, _, _ := src.zones.Match(context.Background(), q); got != want {
			t.Errorf("match(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestServeDNS(t *testing.T) {
	b, st := newTestBackend(t, []string{"example.org."}, testSeed)
	cases := []test.Case{
		{Qname: "www.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{test.A("www.example.org. 60 IN A 192.0.2.1")}},
		{Qname: "example.org.", Qtype: dns.TypeMX, Answer: []dns.RR{test.MX("example.org. 60 IN MX 10 mail.example.org.")}},
		// The SOA of a negative answer carries min(its TTL, MINIMUM): RFC 2308 3.
		{Qname: "nope.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeNameError,
			Ns: []dns.RR{test.SOA("example.org. 5 IN SOA ns.example.org. hm.example.org. 1 2 3 4 5")}},
		{Qname: "x.a.b.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{test.A("x.a.b.example.org. 60 IN A 192.0.2.2")}},
	}
	for _, tc := range cases {
		rec := dnstest.NewRecorder(&test.ResponseWriter{})
		if _, err := b.ServeDNS(context.Background(), rec, tc.Msg()); err != nil {
			t.Fatalf("%s: %v", tc.Qname, err)
		}
		if !rec.Msg.Authoritative {
			t.Errorf("%s: AA not set", tc.Qname)
		}
		if err := test.SortAndCheck(rec.Msg, tc); err != nil {
			t.Errorf("%s: %v", tc.Qname, err)
		}
	}
	// A name in no zone we serve, and one in a zone without SOA: REFUSED, no message.
	for _, q := range []string{"www.example.net.", "nosoa.org."} {
		rec := dnstest.NewRecorder(&test.ResponseWriter{})
		rc, _ := b.ServeDNS(context.Background(), rec, (&test.Case{Qname: q, Qtype: dns.TypeA}).Msg())
		if rc != dns.RcodeRefused || rec.Msg != nil {
			t.Errorf("%s: rcode %d msg %v, want REFUSED from the plugin", q, rc, rec.Msg)
		}
	}

	// A change through another connection is served after the next poll.
	if _, err := st.DB.Exec(`UPDATE records SET content = '192.0.2.9' WHERE name = 'www.example.org'`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		rec := dnstest.NewRecorder(&test.ResponseWriter{})
		b.ServeDNS(context.Background(), rec, (&test.Case{Qname: "www.example.org.", Qtype: dns.TypeA}).Msg())
		if len(rec.Msg.Answer) == 1 && rec.Msg.Answer[0].(*dns.A).A.String() == "192.0.2.9" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("change not served: %v", rec.Msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !b.Ready() {
		t.Error("not ready after the first load")
	}
}

func TestNotReadyIsServfail(t *testing.T) {
	b := &SQLBackend{Origins: chainlookup.NewZones([]string{"."})}
	if b.Ready() {
		t.Fatal("ready before any load")
	}
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	rc, _ := b.ServeDNS(context.Background(), rec, (&test.Case{Qname: "example.org.", Qtype: dns.TypeA}).Msg())
	if rc != dns.RcodeServerFailure {
		t.Errorf("rcode %d before the first load, want SERVFAIL", rc)
	}
}

func TestFallthrough(t *testing.T) {
	b, _ := newTestBackend(t, []string{"."}, testSeed)
	b.Fall.SetZonesFromArgs(nil)
	b.Next = test.NextHandler(dns.RcodeBadCookie, nil)
	for _, q := range []string{"www.example.net.", "nope.example.org."} {
		rec := dnstest.NewRecorder(&test.ResponseWriter{})
		if rc, _ := b.ServeDNS(context.Background(), rec, (&test.Case{Qname: q, Qtype: dns.TypeA}).Msg()); rc != dns.RcodeBadCookie {
			t.Errorf("%s: rcode %d, want the next plugin's %d", q, rc, dns.RcodeBadCookie)
		}
	}
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	if rc, _ := b.ServeDNS(context.Background(), rec, (&test.Case{Qname: "www.example.org.", Qtype: dns.TypeA}).Msg()); rc != dns.RcodeSuccess || len(rec.Msg.Answer) != 1 {
		t.Errorf("existing name fell through: rcode %d msg %v", rc, rec.Msg)
	}
}

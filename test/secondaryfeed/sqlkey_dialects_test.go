package secondaryfeed_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestFeedSQLKeyDialects: on MariaDB, PostgreSQL and SQLite, a key INSERTed into tsigkeys
// after start-up transfers signed, and a new secret for it (UPDATE) replaces the old one:
// the old secret gets NOTAUTH/BADSIG, the new one transfers. It logs the time from each
// commit to the first signed transfer that verifies.
func TestFeedSQLKeyDialects(t *testing.T) {
	for _, tc := range databases {
		t.Run(tc.kind, func(t *testing.T) { sqlKeyDialect(t, tc.kind, tc.new(t)) })
	}
}

func sqlKeyDialect(t *testing.T, kind string, d *db) {
	d.exec(t, `INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE')`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
		(1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 2026120601 7200 3600 1209600 300', 3600, 0, FALSE, TRUE),
		(1, 'example.org', 'NS', 'ns1.example.org', 3600, 0, FALSE, TRUE),
		(1, 'ns1.example.org', 'A', '192.0.2.53', 3600, 0, FALSE, TRUE)`)
	keys := []*harness.TSIGKey{harness.NewTSIGKey(t, "a.example.org."), harness.NewTSIGKey(t, "b.example.org."), harness.NewTSIGKey(t, "c.example.org.")}
	for _, k := range keys {
		d.exec(t, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'TSIG-ALLOW-AXFR', ?)`, harness.NoDot(k.Name))
	}
	s := harness.StartServer(t, fmt.Sprintf("example.org:0 {\n\tsecondaryfeed {\n\t\tallow 192.0.2.0/24\n\t}\n\tsqlbackend {\n\t\tdriver %s\n\t\tdsn %s\n\t\tpoll 50ms\n\t}\n}", d.driver, d.dsn))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, soaSerialIs(2026120601), 10*time.Second)
	want := []string{soaText(2026120601), "example.org.\t3600\tIN\tNS\tns1.example.org.", "ns1.example.org.\t3600\tIN\tA\t192.0.2.53", soaText(2026120601)}

	var took []time.Duration
	for _, k := range keys {
		start := time.Now()
		d.exec(t, `INSERT INTO tsigkeys (name, algorithm, secret) VALUES (?, 'hmac-sha256', ?)`, harness.NoDot(k.Name), k.Secret)
		d, _ := untilSigned(t, s.TCP, k, want, start)
		took = append(took, d)
	}

	// A new secret: the old one is refused, the new one transfers.
	old := *keys[0]
	renewed := harness.NewTSIGKey(t, keys[0].Name)
	start := time.Now()
	d.exec(t, `UPDATE tsigkeys SET secret = ? WHERE name = ?`, renewed.Secret, harness.NoDot(renewed.Name))
	dt, _ := untilSigned(t, s.TCP, renewed, want, start)
	took = append(took, dt)
	assertTSIGRefused(t, s.TCP, &old, old.Secret, dns.RcodeBadSig)

	slices.Sort(took)
	t.Logf("%s: commit to the first signed AXFR that verifies (%d INSERTs, 1 UPDATE): p50 %s, max %s (poll 50ms)",
		kind, len(keys), took[len(took)/2], took[len(took)-1])
}

// untilSigned waits until an AXFR signed with k verifies (dns.Transfer checks every
// message's TSIG), wants it to carry want, and returns the time since start (the commit
// that gave the key) and the number of messages.
func untilSigned(t *testing.T, addr string, k *harness.TSIGKey, want []string, start time.Time) (time.Duration, int) {
	t.Helper()
	var last error
	for deadline := start.Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got, n, err := signedAXFR(addr, k)
		if err == nil {
			if !slices.Equal(got, want) {
				t.Fatalf("signed AXFR with %s: %d records, want %d", k.Name, len(got), len(want))
			}
			return time.Since(start), n
		}
		last = err
	}
	t.Fatalf("no signed AXFR with %s within 10s of the commit: %v", k.Name, last)
	return 0, 0
}

package secondaryfeed_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestFeedSQLKeyAfterStart: a TSIG key INSERTed into tsigkeys after the server started
// (named by the zone's TSIG-ALLOW-AXFR) verifies transfers and signs them without a
// reload, though the CoreDNS server's secrets lack it: miekg's dns.Transfer, BIND and
// Knot transfer the zone signed (BIND then follows a signed NOTIFY by a signed IXFR); a
// wrong secret gets NOTAUTH/BADSIG. It logs the time from each INSERT to the first signed
// transfer that verifies.
func TestFeedSQLKeyAfterStart(t *testing.T) {
	db := newSQLite(t)
	text := bigZone()
	db.load(t, 1, "example.org.", text)
	keys := []*harness.TSIGKey{harness.NewTSIGKey(t, "xfr.example.org.")}
	for i := range 4 {
		keys = append(keys, harness.NewTSIGKey(t, fmt.Sprintf("k%d.example.org.", i)))
	}
	bindPort := harness.FreePort(t)
	for _, k := range keys { // the first names the key that signs the NOTIFYs, as in PowerDNS
		db.exec(t, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'TSIG-ALLOW-AXFR', ?)`, harness.NoDot(k.Name))
	}
	db.exec(t, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'ALSO-NOTIFY', ?)`, fmt.Sprintf("127.0.0.1:%d", bindPort))
	// One port for UDP and TCP: a secondary asks the SOA over UDP, transfers over TCP.
	s := harness.StartServer(t, fmt.Sprintf("example.org:%d {\n\tbind 127.0.0.1\n\tsecondaryfeed {\n\t\tallow 192.0.2.0/24\n\t\tpoll 100ms\n\t}\n\t%s\n}",
		harness.FreePort(t), db.block()))
	// Unsigned transfers from loopback get NOTAUTH (the zone wants a key): ask the SOA.
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, soaSerialIs(2026120601), 10*time.Second)

	// Not in tsigkeys yet: BADKEY.
	assertTSIGRefused(t, s.TCP, keys[0], keys[0].Secret, dns.RcodeBadKey)

	var took []time.Duration
	for _, k := range keys {
		took = append(took, insertAndTransfer(t, db, s.TCP, k, canonical(t, text, 2026120601)))
	}
	slices.Sort(took)
	t.Logf("INSERT INTO tsigkeys to the first signed AXFR that verifies, %d keys: p50 %s, max %s (sqlbackend poll 50ms)",
		len(took), took[len(took)/2], took[len(took)-1])

	assertTSIGRefused(t, s.TCP, keys[0], keys[1].Secret, dns.RcodeBadSig)

	key := keys[0]
	bind := harness.StartSecondary(t, harness.SecondaryBIND, harness.SecondaryOptions{
		Primary: s.TCP, Zones: []string{"example.org."}, Key: key, Port: bindPort,
	})
	knot := harness.StartSecondary(t, harness.SecondaryKnot, harness.SecondaryOptions{
		Primary: s.TCP, Zones: []string{"example.org."}, Key: key,
	})
	for _, sec := range []*harness.Secondary{bind, knot} {
		if x, ok := sec.LastTransfer("example.org."); !ok || x.Serial != 2026120601 {
			t.Errorf("%s: first transfer %v", sec.Kind, x)
		}
		if f := sec.FailedTransfers("example.org."); len(f) != 0 {
			t.Errorf("%s: failed transfers %v", sec.Kind, f)
		}
	}

	// A change: the NOTIFY, signed with the SQL key, brings BIND's signed IXFR (its SOA in
	// the authority section compressed, unlike miekg's client).
	db.exec(t, `UPDATE records SET content = '192.0.2.99' WHERE name = 'www.example.org' AND type = 'A'`)
	x := bind.WaitTransfer(t, "example.org.", 2026120602, 15*time.Second)
	if x.Kind != "IXFR" || x.Error != "" {
		t.Errorf("BIND after the change: %v, want an IXFR", x)
	}
	if soa, err := bind.SOA("example.org."); err != nil || soa.Serial != 2026120602 {
		t.Errorf("BIND serves %v, %v", soa, err)
	}
}

// insertAndTransfer inserts k into tsigkeys and returns how long until a signed AXFR with
// it verifies (dns.Transfer checks every message's TSIG) and carries want.
func insertAndTransfer(t *testing.T, db *sqliteZones, addr string, k *harness.TSIGKey, want []string) time.Duration {
	t.Helper()
	start := time.Now()
	db.exec(t, `INSERT INTO tsigkeys (name, algorithm, secret) VALUES (?, 'hmac-sha256', ?)`, harness.NoDot(k.Name), k.Secret)
	var last error
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got, n, err := signedAXFR(addr, k)
		if err == nil {
			if !slices.Equal(got, want) || n < 2 {
				t.Fatalf("signed AXFR with %s: %d records in %d messages, want %d in several", k.Name, len(got), n, len(want))
			}
			return time.Since(start)
		}
		last = err
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no signed AXFR with %s within 10s of its INSERT: %v", k.Name, last)
	return 0
}

// signedAXFR transfers example.org signed with k and returns its records as text and the
// number of messages; every message's TSIG is verified.
func signedAXFR(addr string, k *harness.TSIGKey) ([]string, int, error) {
	m := axfrQuery("example.org.")
	m.SetTsig(k.Name, k.MiekgAlgorithm(), 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: k.TsigSecret(), DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second}
	envs, err := tr.In(m, addr)
	if err != nil {
		return nil, 0, err
	}
	var got []string
	n := 0
	for env := range envs {
		if env.Error != nil {
			return nil, n, env.Error
		}
		n++
		got = append(got, texts(env.RR)...)
	}
	if n == 0 {
		return nil, 0, errors.New("no message")
	}
	return got, n, nil
}

// assertTSIGRefused sends an AXFR signed with k's name and secret, and wants NOTAUTH, no
// records, and a TSIG with tsigErr, unsigned (BADKEY, BADSIG: RFC 8945 5.3.2).
func assertTSIGRefused(t *testing.T, addr string, k *harness.TSIGKey, secret string, tsigErr uint16) {
	t.Helper()
	co, err := dns.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer co.Close()
	co.SetDeadline(time.Now().Add(10 * time.Second))
	co.TsigSecret = map[string]string{k.Name: secret}
	m := axfrQuery("example.org.")
	m.SetTsig(k.Name, k.MiekgAlgorithm(), 300, time.Now().Unix())
	if err := co.WriteMsg(m); err != nil {
		t.Fatal(err)
	}
	r, _ := co.ReadMsg() // an unsigned TSIG does not verify: the message is still read
	want := dns.RcodeToString[int(tsigErr)]
	if r == nil || r.Rcode != dns.RcodeNotAuth || !r.Response || len(r.Answer)+len(r.Ns) != 0 || len(r.Extra) != 1 {
		t.Fatalf("AXFR with %s (want NOTAUTH/%s): %v", k.Name, want, r)
	}
	if ts := r.IsTsig(); ts == nil || ts.Error != tsigErr || ts.MAC != "" || !strings.EqualFold(ts.Hdr.Name, k.Name) {
		t.Errorf("AXFR with %s: TSIG %v, want error %s without a MAC", k.Name, ts, want)
	}
}

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
// reload, though the CoreDNS server's secrets lack it: miekg's dns.Transfer, dig, BIND,
// Knot and NSD transfer the zone signed, and follow a signed NOTIFY by a signed IXFR; a
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
	kinds := []harness.SecondaryKind{harness.SecondaryBIND, harness.SecondaryKnot, harness.SecondaryNSD}
	ports := map[harness.SecondaryKind]int{}
	for _, kind := range kinds {
		ports[kind] = harness.FreePort(t)
		db.exec(t, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'ALSO-NOTIFY', ?)`, fmt.Sprintf("127.0.0.1:%d", ports[kind]))
	}
	for _, k := range keys { // the first names the key that signs the NOTIFYs, as in PowerDNS
		db.exec(t, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'TSIG-ALLOW-AXFR', ?)`, harness.NoDot(k.Name))
	}
	// One port for UDP and TCP: a secondary asks the SOA over UDP, transfers over TCP.
	// core.example.org. is the Corefile's, which the CoreDNS server verifies and signs with.
	core := harness.NewTSIGKey(t, "core.example.org.")
	s := harness.StartServer(t, fmt.Sprintf("example.org:%d {\n\tbind 127.0.0.1\n\tsecondaryfeed {\n\t\tallow 192.0.2.0/24\n\t\tpoll 100ms\n\t\tkey %s\n\t\ttsig_key %s hmac-sha256 %s\n\t}\n\t%s\n}",
		harness.FreePort(t), core.Name, core.Name, core.Secret, db.block()))
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

	// dig validates every message of a multi-message transfer, signed by secondaryfeed (the
	// SQL key) or by the server (the Corefile's key); its IXFR request is compressed.
	for _, k := range []*harness.TSIGKey{keys[0], core} {
		for _, q := range []string{"AXFR", "IXFR=2026120600"} {
			assertDigValidates(t, s.TCP, k, q, 1507)
		}
	}

	// Real secondaries sign their SOA queries and transfers with the SQL key; NSD and Knot
	// take only NOTIFYs signed with it (BIND also takes them from its primary's address).
	secs := map[harness.SecondaryKind]*harness.Secondary{}
	for _, kind := range kinds {
		secs[kind] = harness.StartSecondary(t, kind, harness.SecondaryOptions{
			Primary: s.TCP, Zones: []string{"example.org."}, Key: keys[0], Port: ports[kind], SignedNotify: kind != harness.SecondaryBIND,
		})
		if x, ok := secs[kind].LastTransfer("example.org."); !ok || x.Serial != 2026120601 {
			t.Errorf("%s: first transfer %v", kind, x)
		}
	}

	// A change: the signed NOTIFY brings each one's signed IXFR (BIND's and Knot's SOA in the
	// authority section compressed, unlike miekg's client).
	db.exec(t, `UPDATE records SET content = '192.0.2.99' WHERE name = 'www.example.org' AND type = 'A'`)
	for _, kind := range kinds {
		sec := secs[kind]
		x := sec.WaitTransfer(t, "example.org.", 2026120602, 15*time.Second)
		if kind != harness.SecondaryNSD && x.Kind != "IXFR" { // NSD does not log the kind
			t.Errorf("%s after the change: %v, want an IXFR", kind, x)
		}
		if soa, err := sec.SOA("example.org."); err != nil || soa.Serial != 2026120602 {
			t.Errorf("%s serves %v, %v", kind, soa, err)
		}
		if f := sec.FailedTransfers("example.org."); len(f) != 0 {
			t.Errorf("%s: failed transfers %v", kind, f)
		}
	}
}

// assertDigValidates runs `dig -y` for example.org's qtype (AXFR, IXFR=serial) signed
// with k, and wants a transfer of records in several messages, each with a TSIG, and no
// word from dig of a TSIG it could not verify.
func assertDigValidates(t *testing.T, addr string, k *harness.TSIGKey, qtype string, records int) {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	out := harness.Dig(t, "-y", k.Algorithm+":"+harness.NoDot(k.Name)+":"+k.Secret, "-p", port, "@"+host, "+tcp", "example.org", qtype)
	var msgs int
	i := strings.Index(out, ";; XFR size: ")
	if i < 0 {
		t.Fatalf("dig %s with %s: no transfer:\n%s", qtype, k.Name, tail(out))
	}
	if _, err := fmt.Sscanf(out[i:], ";; XFR size: %d records (messages %d,", new(int), &msgs); err != nil || msgs < 2 {
		t.Fatalf("dig %s with %s: %d messages (%v), want several:\n%s", qtype, k.Name, msgs, err, tail(out))
	}
	if !strings.Contains(out, fmt.Sprintf(";; XFR size: %d records (messages %d,", records, msgs)) {
		t.Errorf("dig %s with %s: want %d records:\n%s", qtype, k.Name, records, tail(out))
	}
	if n := strings.Count(out, "\tANY\tTSIG\t"+k.MiekgAlgorithm()); n != msgs || strings.Count(out, " NOERROR 0 \n") != msgs {
		t.Errorf("dig %s with %s: %d TSIGs (NOERROR) for %d messages:\n%s", qtype, k.Name, n, msgs, tail(out))
	}
	for _, bad := range []string{"Couldn't verify", "could not be validated", "WARNING"} {
		if strings.Contains(out, bad) {
			t.Errorf("dig %s with %s says %q:\n%s", qtype, k.Name, bad, tail(out))
		}
	}
}

// tail is the end of dig's output, where its summary and warnings are.
func tail(out string) string { return out[max(0, len(out)-1500):] }

// insertAndTransfer inserts k into tsigkeys and returns how long until a signed AXFR with
// it verifies and carries want, in several messages.
func insertAndTransfer(t *testing.T, db *sqliteZones, addr string, k *harness.TSIGKey, want []string) time.Duration {
	t.Helper()
	start := time.Now()
	db.exec(t, `INSERT INTO tsigkeys (name, algorithm, secret) VALUES (?, 'hmac-sha256', ?)`, harness.NoDot(k.Name), k.Secret)
	took, n := untilSigned(t, addr, k, want, start)
	if n < 2 {
		t.Errorf("signed AXFR with %s in %d message(s), want several", k.Name, n)
	}
	return took
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

package secondaryfeed_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

const zoneHead = `$ORIGIN example.org.
@ 3600 IN SOA ns1 hostmaster 2026120601 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.1
@ 3600 IN MX 10 mail
mail 3600 IN A 192.0.2.25
`

// bigZone is zoneHead and enough TXT records to need several 64 KB messages.
func bigZone() string {
	var b strings.Builder
	b.WriteString(zoneHead)
	for i := range 1500 {
		fmt.Fprintf(&b, "t%04d 300 IN TXT \"%s\"\n", i, strings.Repeat("x", 60))
	}
	return b.String()
}

// canonical is the zone as secondaryfeed transfers it: SOA, the rest in canonical order
// (owners lower-cased), SOA; the SOA with the given serial.
func canonical(t testing.TB, text string, serial uint32) []string {
	rrs := parseZone(t, "example.org.", text)
	var soa *dns.SOA
	var rest []dns.RR
	for _, rr := range rrs {
		if s, ok := rr.(*dns.SOA); ok {
			soa = s
			continue
		}
		rest = append(rest, rr)
	}
	soa.Serial = serial
	slices.SortFunc(rest, journal.Compare)
	return append(append([]string{soa.String()}, texts(rest)...), soa.String())
}

func soaText(serial uint32) string {
	return fmt.Sprintf("example.org.\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. %d 7200 3600 1209600 300", serial)
}

// TestFeedTransfers serves a SQL zone through secondaryfeed: the apex SOA, a
// multi-message AXFR of every record, an IXFR after a SQL change that carries only the
// changed records (condensed over two changes), the up-to-date answer, the AXFR-style
// fallback, UDP, while the stock transfer plugin keeps serving the zone not fed.
func TestFeedTransfers(t *testing.T) {
	db := newSQLite(t)
	text := bigZone()
	db.load(t, 1, "example.org.", text)
	db.load(t, 2, "other.org.", "@ 3600 IN SOA ns1 hostmaster 7 7200 3600 1209600 300\n@ 3600 IN NS ns1\n")
	s := harness.StartServer(t, fmt.Sprintf(`.:0 {
	secondaryfeed example.org {
		allow 127.0.0.1 ::1
		journal 10
		poll 100ms
	}
	transfer {
		to *
	}
	%s
}`, db.block()))
	waitFed(t, s.UDP, "example.org.", 2026120601)
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("example.org.", dns.TypeSOA), "udp"), harness.Response{
		Authoritative: true,
		Answer:        []string{soaText(2026120601)},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
	})

	q := dns.Question{Name: "example.org.", Qtype: dns.TypeAXFR, Qclass: dns.ClassINET}
	msgs := xfr(t, s.TCP, axfrQuery("example.org."))
	if len(msgs) < 2 {
		t.Errorf("AXFR of a %d-record zone in %d message(s), want several", 1506, len(msgs))
	}
	if got, want := answers(t, msgs, q), canonical(t, text, 2026120601); !slices.Equal(got, want) {
		t.Fatalf("AXFR: %d records, want %d\nfirst: %v", len(got), len(want), got[:min(8, len(got))])
	}

	// A SQL change that leaves the SQL serial alone: the fed serial is one more.
	db.exec(t, `UPDATE records SET content = '192.0.2.99' WHERE name = 'www.example.org' AND type = 'A'`)
	db.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, 'new.example.org', 'A', '192.0.2.7', 300, 0, FALSE, TRUE)`)
	waitFed(t, s.UDP, "example.org.", 2026120602)

	iq := dns.Question{Name: "example.org.", Qtype: dns.TypeIXFR, Qclass: dns.ClassINET}
	wantIXFR := []string{
		soaText(2026120602), soaText(2026120601), "www.example.org.\t300\tIN\tA\t192.0.2.1",
		soaText(2026120602), "new.example.org.\t300\tIN\tA\t192.0.2.7", "www.example.org.\t300\tIN\tA\t192.0.2.99",
		soaText(2026120602),
	}
	msgs = xfr(t, s.TCP, ixfrQuery("example.org.", 2026120601))
	if got := answers(t, msgs, iq); !slices.Equal(got, wantIXFR) || len(msgs) != 1 {
		t.Errorf("IXFR from 2026120601 in %d messages:\n%q\nwant\n%q", len(msgs), got, wantIXFR)
	}

	// A second change, undoing part of the first and bumping the SQL serial: the IXFR
	// from the first version is condensed (new.example.org comes and goes: absent).
	db.exec(t, `DELETE FROM records WHERE name = 'new.example.org'`)
	db.exec(t, `UPDATE records SET content = 'ns1.example.org hostmaster.example.org 2026120700 7200 3600 1209600 300' WHERE type = 'SOA' AND domain_id = 1`)
	waitFed(t, s.UDP, "example.org.", 2026120700)
	wantIXFR = []string{
		soaText(2026120700), soaText(2026120601), "www.example.org.\t300\tIN\tA\t192.0.2.1",
		soaText(2026120700), "www.example.org.\t300\tIN\tA\t192.0.2.99",
		soaText(2026120700),
	}
	if got := answers(t, xfr(t, s.TCP, ixfrQuery("example.org.", 2026120601)), iq); !slices.Equal(got, wantIXFR) {
		t.Errorf("condensed IXFR from 2026120601:\n%q\nwant\n%q", got, wantIXFR)
	}

	// Up to date (and ahead): the SOA alone.
	for _, serial := range []uint32{2026120700, 2026120800} {
		if got := answers(t, xfr(t, s.TCP, ixfrQuery("example.org.", serial)), iq); !slices.Equal(got, []string{soaText(2026120700)}) {
			t.Errorf("IXFR from %d: %q, want the SOA alone", serial, got)
		}
	}
	// A serial the journal does not know: the whole zone, AXFR-style.
	now := strings.Replace(strings.Replace(text, "192.0.2.1\n", "192.0.2.99\n", 1), "2026120601", "2026120700", 1)
	if got, want := answers(t, xfr(t, s.TCP, ixfrQuery("example.org.", 2026113000)), iq), canonical(t, now, 2026120700); !slices.Equal(got, want) {
		t.Errorf("IXFR fallback: %d records, want %d", len(got), len(want))
	}

	// UDP: IXFR gets the current SOA (RFC 1995 2), AXFR is refused.
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, ixfrQuery("example.org.", 2026120601), "udp"), harness.Response{
		Authoritative: true, Answer: []string{soaText(2026120700)},
	})
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, axfrQuery("example.org."), "udp"), harness.Response{Rcode: dns.RcodeRefused})

	// The zone not fed is the stock transfer plugin's, raw serial and all.
	got := answers(t, xfr(t, s.TCP, axfrQuery("other.org.")), dns.Question{Name: "other.org.", Qtype: dns.TypeAXFR, Qclass: dns.ClassINET})
	if len(got) != 3 || !strings.Contains(got[0], " 7 7200") {
		t.Errorf("AXFR of other.org (stock transfer): %q", got)
	}
}

// TestFeedRefused: a client outside the allow list is refused, AXFR and IXFR alike.
func TestFeedRefused(t *testing.T) {
	db := newSQLite(t)
	db.load(t, 1, "example.org.", zoneHead)
	s := harness.StartServer(t, fmt.Sprintf("example.org:0 {\n\tsecondaryfeed {\n\t\tallow 192.0.2.0/24\n\t}\n\t%s\n}", db.block()))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, soaSerialIs(2026120601), 10*time.Second)
	for _, m := range []*dns.Msg{axfrQuery("example.org."), ixfrQuery("example.org.", 1)} {
		msgs := xfr(t, s.TCP, m)
		harness.AssertResponse(t, msgs[len(msgs)-1], harness.Response{Rcode: dns.RcodeRefused})
	}
}

// TestFeedTSIG: a TSIG-signed AXFR gets every message signed with the server's key
// (dns.Transfer verifies each one).
func TestFeedTSIG(t *testing.T) {
	const key, secret = "xfr.key.", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
	db := newSQLite(t)
	text := bigZone()
	db.load(t, 1, "example.org.", text)
	s := harness.StartServer(t, fmt.Sprintf("example.org:0 {\n\ttsig {\n\t\tsecret %s %s\n\t}\n\tsecondaryfeed {\n\t\tallow 127.0.0.1\n\t}\n\t%s\n}", key, secret, db.block()))
	waitFed(t, s.UDP, "example.org.", 2026120601)

	m := axfrQuery("example.org.")
	m.SetTsig(key, dns.HmacSHA256, 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: map[string]string{key: secret}}
	envs, err := tr.In(m, s.TCP)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	n := 0
	for env := range envs {
		if env.Error != nil {
			t.Fatalf("message %d: %v", n, env.Error)
		}
		n++
		got = append(got, texts(env.RR)...)
	}
	if want := canonical(t, text, 2026120601); !slices.Equal(got, want) || n < 2 {
		t.Errorf("signed AXFR: %d records in %d messages, want %d in several", len(got), n, len(want))
	}
}

// TestFeedBadTSIG: an AXFR signed with a wrong secret gets NOTAUTH with TSIG error
// BADSIG from the tsig plugin, before secondaryfeed sees it; an unsigned one, with the
// tsig plugin requiring TSIG for AXFR, is refused.
func TestFeedBadTSIG(t *testing.T) {
	const key, secret = "xfr.key.", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
	db := newSQLite(t)
	db.load(t, 1, "example.org.", zoneHead)
	s := harness.StartServer(t, fmt.Sprintf("example.org:0 {\n\ttsig {\n\t\tsecret %s %s\n\t\trequire AXFR IXFR\n\t}\n\tsecondaryfeed {\n\t\tallow 127.0.0.1\n\t}\n\t%s\n}", key, secret, db.block()))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, soaSerialIs(2026120601), 10*time.Second)

	co, err := dns.DialTimeout("tcp", s.TCP, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer co.Close()
	co.SetDeadline(time.Now().Add(10 * time.Second))
	co.TsigSecret = map[string]string{key: "d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmc="}
	m := axfrQuery("example.org.")
	m.SetTsig(key, dns.HmacSHA256, 300, time.Now().Unix())
	if err := co.WriteMsg(m); err != nil {
		t.Fatal(err)
	}
	resp, _ := co.ReadMsg() // the response's own TSIG cannot verify with our wrong secret
	if resp == nil || resp.Rcode != dns.RcodeNotAuth || len(resp.Answer) != 0 {
		t.Fatalf("AXFR with a wrong secret: %v", resp)
	}
	if ts := resp.IsTsig(); ts == nil || ts.Error != dns.RcodeBadSig {
		t.Errorf("AXFR with a wrong secret: TSIG %v, want error BADSIG", ts)
	}
	msgs := xfr(t, s.TCP, axfrQuery("example.org."))
	harness.AssertResponse(t, msgs[0], harness.Response{Rcode: dns.RcodeRefused})
}

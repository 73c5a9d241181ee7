package interop

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	_ "github.com/hostdns/hostdns/plugin/pkg/rrtypes" // ALIAS, POOL, URL in zone text
	"github.com/hostdns/hostdns/test/harness"
)

// The secondaryfeed tests start hostdns (the built binary) with sqlbackend on SQLite,
// alias, pool, urlredirect and secondaryfeed as the primary of BIND, NSD, Knot and
// CoreDNS's secondary plugin: they transfer the flattened zone, follow a SQL change by a
// signed NOTIFY and IXFR, pick the zones up through the catalog, and are refused when not
// allowed.

// flatZoneText is feedZoneText with an ALIAS, a pool and a URL record.
var flatZoneText = feedZoneText + `alias	300	IN	ALIAS	target.example.net.
ext	300	IN	ALIAS	target.ext.test.
pool	300	IN	POOL	h2.example.net. 5
pool	300	IN	POOL	h1.example.net. 10
go	300	IN	URL	"https://www.example.com/" 302
`

// targetZoneText is the zone the ALIAS points into, served by the same primary and
// resolved through its chain.
const targetZoneText = `$ORIGIN example.net.
@	3600	IN	SOA	ns1.example.com. hostmaster.example.com. 7 3600 600 1209600 300
@	3600	IN	NS	ns1.example.com.
target	120	IN	A	192.0.2.7
target	120	IN	AAAA	2001:db8::7
h1	300	IN	A	192.0.2.11
h2	300	IN	A	192.0.2.12
`

const targetZone = "example.net."

// extZoneText is a zone outside the primary's, served by NSD on loopback: the alias
// plugin's upstream for targets under it.
const extZoneText = `$ORIGIN ext.test.
@	3600	IN	SOA	ns.ext.test. hostmaster.ext.test. 1 3600 600 1209600 300
@	3600	IN	NS	ns.ext.test.
ns	3600	IN	A	127.0.0.1
target	90	IN	A	198.51.100.9
`

// redirector is the address urlredirect answers for URL names.
const redirector = "192.0.2.200"

// startFeedPrimary runs hostdns with secondaryfeed feeding zones; settings are its
// Corefile lines (allow, to, ...); key, when set, is added as tsig_key and signs the
// wait for the first builds.
func startFeedPrimary(t *testing.T, db *feedDB, zones []string, key *harness.TSIGKey, settings ...string) *primary {
	t.Helper()
	if key != nil {
		settings = append(settings, "tsig_key "+key.Name+" "+key.Algorithm+" "+key.Secret)
	}
	port := harness.FreePort(t)
	upstream := harness.StartNSD(t, map[string]string{"ext.test.": extZoneText})
	p := &primary{addr: fmt.Sprintf("127.0.0.1:%d", port)}
	p.proc = harness.StartBinary(t, feedCorefile(port, db, zones, upstream.Addr, settings))
	for _, z := range zones {
		waitBuilt(t, p, z, key)
	}
	return p
}

// feedCorefile is the primary's Corefile.
func feedCorefile(port int, db *feedDB, zones []string, upstream string, settings []string) string {
	return fmt.Sprintf(`.:%d {
	bind 127.0.0.1
	secondaryfeed %s {
		%s
	}
	alias {
		upstream %s
	}
	pool
	urlredirect {
		address %s
	}
	sqlbackend {
		driver sqlite
		dsn %s
	}
}
`, port, strings.Join(zones, " "), strings.Join(settings, "\n\t\t"), upstream, redirector, db.path)
}

// waitBuilt waits until p transfers zone: sqlbackend answers the SOA as soon as it
// loaded, secondaryfeed transfers once it built the zone, SERVFAIL before.
func waitBuilt(t *testing.T, p *primary, zone string, key *harness.TSIGKey) {
	t.Helper()
	waitXfrRcode(t, p, zone, key, func(rc int) bool { return rc != dns.RcodeServerFailure })
}

// waitXfrRcode waits until an AXFR of zone from p, signed with key when set, gets an
// rcode done accepts.
func waitXfrRcode(t *testing.T, p *primary, zone string, key *harness.TSIGKey, done func(int) bool) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, "secondaryfeed transfers "+zone, func() bool {
		m := new(dns.Msg)
		m.SetAxfr(zone)
		c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
		if key != nil {
			m.SetTsig(key.Name, key.MiekgAlgorithm(), 300, time.Now().Unix())
			c.TsigSecret = key.TsigSecret()
		}
		r, _, err := c.Exchange(m, p.addr)
		return err == nil && done(r.Rcode)
	})
}

// assertFlat checks the fed example.com: no ALIAS, POOL or URL left, the ALIAS records as
// their targets' addresses (in a zone of the primary, and from the upstream NSD; that
// target has no AAAA: none fed), the pool as its heaviest member's CNAME, the URL as the
// redirector's address.
func assertFlat(t *testing.T, rrs []dns.RR) {
	t.Helper()
	lines := rrLines(rrs)
	for _, rr := range rrs {
		if _, ok := rr.(*dns.PrivateRR); ok {
			t.Errorf("fed zone holds %s", rr)
		}
		if rr.Header().Name == "ext.example.com." && rr.Header().Rrtype == dns.TypeAAAA {
			t.Errorf("fed zone holds %s: its target has no AAAA", rr)
		}
	}
	for _, want := range []string{
		"alias.example.com.\t120\tIN\tA\t192.0.2.7",
		"alias.example.com.\t120\tIN\tAAAA\t2001:db8::7",
		"ext.example.com.\t90\tIN\tA\t198.51.100.9",
		"pool.example.com.\t300\tIN\tCNAME\th1.example.net.",
		"go.example.com.\t300\tIN\tA\t" + redirector,
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("fed zone lacks %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
}

// assertFedZone checks that sec holds exactly want (the primary's AXFR, without the
// closing SOA) and answers every RRset of it with that RRset, AA set and TC, RA, AD clear.
func assertFedZone(t *testing.T, sec *harness.Secondary, zone string, want []dns.RR) {
	t.Helper()
	harness.AssertRRs(t, fmt.Sprintf("%s: AXFR %s", sec.Kind, zone), sec.AXFR(t, zone), rrLines(want))
	type key struct {
		name string
		qt   uint16
	}
	sets := map[key][]string{}
	var order []key
	for _, rr := range want {
		k := key{strings.ToLower(rr.Header().Name), rr.Header().Rrtype}
		if sets[k] == nil {
			order = append(order, k)
		}
		sets[k] = append(sets[k], rr.String())
	}
	for _, k := range order {
		got := harness.Exchange(t, sec.Addr, harness.Query(k.name, k.qt), "tcp")
		what := fmt.Sprintf("%s: %s %s", sec.Kind, k.name, dns.TypeToString[k.qt])
		if got.Rcode != dns.RcodeSuccess || !got.Authoritative || got.Truncated || got.RecursionAvailable || got.AuthenticatedData {
			t.Errorf("%s: rcode %s aa %t tc %t ra %t ad %t\n%v", what, dns.RcodeToString[got.Rcode],
				got.Authoritative, got.Truncated, got.RecursionAvailable, got.AuthenticatedData, got)
		}
		var answer []dns.RR
		for _, rr := range got.Answer {
			if rr.Header().Rrtype == k.qt { // a CNAME's target may follow
				answer = append(answer, rr)
			}
		}
		harness.AssertRRs(t, what, answer, sets[k])
	}
}

// TestSecondaryFeedFlattenedIXFR: BIND, NSD and Knot transfer the flattened zone signed
// with the key that SQL's TSIG-ALLOW-AXFR names; after a SQL change they get a signed
// NOTIFY (NSD and Knot accept no other) and follow it by IXFR carrying the change only.
func TestSecondaryFeedFlattenedIXFR(t *testing.T) {
	key := harness.NewTSIGKey(t, "xfr.example.com.")
	db := newFeedDB(t, [2]string{feedZone, flatZoneText}, [2]string{targetZone, targetZoneText})
	db.exec(t, fmt.Sprintf("INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'TSIG-ALLOW-AXFR', '%s')", harness.NoDot(key.Name)))
	kinds := []harness.SecondaryKind{harness.SecondaryBIND, harness.SecondaryNSD, harness.SecondaryKnot}
	ports := map[harness.SecondaryKind]int{}
	var to []string
	for _, k := range kinds {
		ports[k] = harness.FreePort(t)
		to = append(to, fmt.Sprintf("127.0.0.1:%d", ports[k]))
	}
	p := startFeedPrimary(t, db, []string{feedZone}, key, "to "+strings.Join(to, " "))

	// Unsigned, the transfer gets NOTAUTH: the zone wants its key.
	m := new(dns.Msg)
	m.SetAxfr(feedZone)
	if r := harness.Exchange(t, p.addr, m, "tcp"); r.Rcode != dns.RcodeNotAuth || len(r.Answer) != 0 {
		t.Errorf("unsigned AXFR: %v, want NOTAUTH", r)
	}
	// Signed with the key's name and a wrong secret: NOTAUTH with BADSIG.
	m.SetTsig(key.Name, key.MiekgAlgorithm(), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{key.Name: "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA=="}}
	if r, _, _ := c.Exchange(m, p.addr); r == nil || r.Rcode != dns.RcodeNotAuth || r.IsTsig() == nil || r.IsTsig().Error != dns.RcodeBadSig || len(r.Answer) != 0 {
		t.Errorf("AXFR with a bad signature: %v, want NOTAUTH with BADSIG", r)
	}
	want := p.axfr(t, feedZone, key)
	assertFlat(t, want)

	secs := map[harness.SecondaryKind]*harness.Secondary{}
	for _, k := range kinds {
		s := harness.StartSecondary(t, k, harness.SecondaryOptions{
			Primary: p.addr, Zones: []string{feedZone}, Port: ports[k], Key: key, SignedNotify: k != harness.SecondaryBIND,
		})
		secs[k] = s
		assertFedZone(t, s, feedZone, want)
	}

	const serial = 2026120602
	committed := db.exec(t,
		"INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, 'new.example.com', 'A', '192.0.2.99', 300, 0, 0, 1)",
		soaUpdate(feedZone, serial))
	var all []*harness.Secondary
	for _, k := range kinds {
		all = append(all, secs[k])
	}
	logLatencies(t, "SQL commit to new serial served", harness.ServedAll(t, all, feedZone, serial, committed, 20*time.Second))
	assertIXFR(t, p, key, 2026120601, serial, "new.example.com.\t300\tIN\tA\t192.0.2.99")
	want = p.axfr(t, feedZone, key)
	if !slices.Contains(rrLines(want), "new.example.com.\t300\tIN\tA\t192.0.2.99") {
		t.Fatalf("fed zone lacks the new record:\n%s", strings.Join(rrLines(want), "\n"))
	}
	for _, k := range kinds {
		s := secs[k]
		assertFedZone(t, s, feedZone, want)
		x := s.WaitTransfer(t, feedZone, serial, 5*time.Second)
		t.Logf("%s: %v", k, x)
		if k == harness.SecondaryKnot && !signedNotifyLogged(s.Log(), key.Name) {
			t.Errorf("knot logged no NOTIFY allowed with key %s", key.Name)
		}
		if k == harness.SecondaryNSD {
			continue // NSD logs no transfer kind
		}
		// IXFR: the SOAs and the change (one record added; a flattened TTL that moved
		// meanwhile may add a pair), far from the zone's records.
		if x.Kind != "IXFR" || x.Records > 10 || x.Records >= len(want) || x.Bytes > 2000 {
			t.Errorf("%s: the change came by %s (%d records, %d bytes), want a small IXFR: %s", k, x.Kind, x.Records, x.Bytes, x.Line)
		}
	}
}

// assertIXFR asks p for an IXFR from serial from, signed with key, and checks the answer
// is the condensed difference to serial to (RFC 1995 4: the new SOA, the old SOA, the
// deletions, the new SOA, the additions, the new SOA), holding added, and small: a
// flattened TTL that moved meanwhile may add a pair of records, not the zone.
func assertIXFR(t *testing.T, p *primary, key *harness.TSIGKey, from, to uint32, added string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetIxfr(feedZone, from, "ns1.example.com.", "hostmaster.example.com.")
	m.SetTsig(key.Name, key.MiekgAlgorithm(), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: key.TsigSecret()}
	r, _, err := c.Exchange(m, p.addr)
	if err != nil || r.Rcode != dns.RcodeSuccess || !r.Authoritative || r.IsTsig() == nil {
		t.Fatalf("IXFR from %d: %v %v", from, r, err)
	}
	a := r.Answer
	serialOf := func(rr dns.RR) uint32 {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial
		}
		return 0
	}
	if len(a) < 5 || len(a) > 9 || serialOf(a[0]) != to || serialOf(a[1]) != from || serialOf(a[len(a)-1]) != to ||
		!slices.Contains(rrLines(a), added) {
		t.Errorf("IXFR from %d to %d:\n%s", from, to, strings.Join(rrLines(a), "\n"))
	}
}

// signedNotifyLogged reports whether Knot's log has a NOTIFY its ACL allowed with key.
func signedNotifyLogged(log, key string) bool {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "ACL, allowed, action notify") && strings.Contains(line, "key '"+key+"'") {
			return true
		}
	}
	return false
}

const feedCatalog = "catalog.invalid."

// TestSecondaryFeedCatalog: BIND, Knot and CoreDNS's secondary plugin, given only
// secondaryfeed's catalog zone, transfer the fed zone it lists, flattened; when a reload
// feeds one more zone, BIND and Knot get the catalog's NOTIFY, follow it by IXFR and
// transfer the new member.
func TestSecondaryFeedCatalog(t *testing.T) {
	db := newFeedDB(t, [2]string{feedZone, flatZoneText}, [2]string{targetZone, targetZoneText})
	kinds := []harness.SecondaryKind{harness.SecondaryBIND, harness.SecondaryKnot, harness.SecondaryCoreDNS}
	ports := map[harness.SecondaryKind]int{}
	var to []string
	for _, k := range kinds {
		ports[k] = harness.FreePort(t)
		to = append(to, fmt.Sprintf("127.0.0.1:%d", ports[k]))
	}
	settings := []string{"allow 127.0.0.1", "catalog " + feedCatalog, "to " + strings.Join(to, " ")}
	p := startFeedPrimary(t, db, []string{feedZone}, nil, settings...)
	want := p.axfr(t, feedZone, nil)
	assertFlat(t, want)
	var secs []*harness.Secondary
	for _, k := range kinds {
		s := harness.StartSecondary(t, k, harness.SecondaryOptions{Primary: p.addr, Catalog: feedCatalog, Port: ports[k]})
		s.WaitZone(t, feedZone, 30*time.Second)
		assertFedZone(t, s, feedZone, want)
		secs = append(secs, s)
	}

	// A reload feeding example.net too: the catalog (its journal survives the reload) gets
	// the next serial with the new member, once it is built.
	catSerial := p.axfr(t, feedCatalog, nil)[0].(*dns.SOA).Serial
	for _, s := range secs[:2] {
		s.WaitTransfer(t, feedCatalog, catSerial, 30*time.Second)
	}
	reloadFeed(t, p, db, []string{feedZone, targetZone}, settings)
	// Before the reload, example.net is not fed: no plugin transfers it (REFUSED).
	var wantNet []dns.RR
	harness.Eventually(t, 30*time.Second, "a whole AXFR of "+targetZone+" after the reload", func() bool {
		rrs, err := p.tryAXFR(targetZone, nil)
		wantNet = rrs
		return err == nil
	})
	for _, s := range secs[:2] { // CoreDNS's secondary reads the catalog once
		s.WaitZone(t, targetZone, 30*time.Second)
		assertFedZone(t, s, targetZone, wantNet)
		x := s.WaitTransfer(t, feedCatalog, catSerial+1, 10*time.Second)
		t.Logf("%s: %v", s.Kind, x)
		if x.Kind != "IXFR" {
			t.Errorf("%s: the catalog's change came by %s, want IXFR: %s", s.Kind, x.Kind, x.Line)
		}
	}
}

// TestSecondaryFeedDiscoverCatalog: with discover, a domain inserted in SQL is fed and
// joins the catalog without a reload: BIND and Knot get the catalog's NOTIFY, follow it by
// IXFR and transfer the new zone, flattened.
func TestSecondaryFeedDiscoverCatalog(t *testing.T) {
	db := newFeedDB(t, [2]string{feedZone, flatZoneText}, [2]string{targetZone, targetZoneText})
	kinds := []harness.SecondaryKind{harness.SecondaryBIND, harness.SecondaryKnot}
	ports := map[harness.SecondaryKind]int{}
	var to []string
	for _, k := range kinds {
		ports[k] = harness.FreePort(t)
		to = append(to, fmt.Sprintf("127.0.0.1:%d", ports[k]))
	}
	settings := []string{"discover", "allow 127.0.0.1", "catalog " + feedCatalog, "to " + strings.Join(to, " ")}
	p := startFeedPrimary(t, db, nil, nil, settings...)
	fed := func(rc int) bool { return rc == dns.RcodeSuccess } // REFUSED until discovered
	waitXfrRcode(t, p, feedZone, nil, fed)
	waitXfrRcode(t, p, feedCatalog, nil, fed)
	var secs []*harness.Secondary
	for _, k := range kinds {
		s := harness.StartSecondary(t, k, harness.SecondaryOptions{Primary: p.addr, Catalog: feedCatalog, Port: ports[k]})
		s.WaitZone(t, feedZone, 30*time.Second)
		secs = append(secs, s)
	}
	// The catalog's serial before the new zone: the secondaries hold it.
	catSerial := p.axfr(t, feedCatalog, nil)[0].(*dns.SOA).Serial
	for _, s := range secs {
		s.WaitTransfer(t, feedCatalog, catSerial, 30*time.Second)
	}

	const added = "added.example."
	db.addZone(t, added, strings.ReplaceAll(targetZoneText, targetZone, added))
	waitXfrRcode(t, p, added, nil, fed)
	want := p.axfr(t, added, nil)
	for _, s := range secs {
		s.WaitZone(t, added, 30*time.Second)
		assertFedZone(t, s, added, want)
		x := s.WaitTransfer(t, feedCatalog, catSerial+1, 10*time.Second)
		if x.Kind != "IXFR" {
			t.Errorf("%s: the catalog's change came by %s, want IXFR: %s", s.Kind, x.Kind, x.Line)
		}
	}
}

// reloadFeed rewrites p's Corefile to feed zones and reloads it (SIGUSR1).
func reloadFeed(t *testing.T, p *primary, db *feedDB, zones []string, settings []string) {
	t.Helper()
	port, err := strconv.Atoi(strings.TrimPrefix(p.addr, "127.0.0.1:"))
	if err != nil {
		t.Fatal(err)
	}
	upstream := regexp.MustCompile(`upstream (\S+)`).FindStringSubmatch(mustRead(t, filepath.Join(p.proc.Dir, "Corefile")))[1]
	harness.WriteFile(t, p.proc.Dir, "Corefile", feedCorefile(port, db, zones, upstream, settings))
	if err := p.proc.Cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSecondaryFeedRefused: a source outside the allow list gets REFUSED, and each
// secondary logs it.
func TestSecondaryFeedRefused(t *testing.T) {
	db := newFeedDB(t, [2]string{feedZone, flatZoneText}, [2]string{targetZone, targetZoneText})
	p := startFeedPrimary(t, db, []string{feedZone}, nil, "allow 127.0.0.2")
	for _, k := range []harness.SecondaryKind{harness.SecondaryBIND, harness.SecondaryNSD, harness.SecondaryKnot} {
		s := harness.StartSecondary(t, k, harness.SecondaryOptions{Primary: p.addr, Zones: []string{feedZone}, NoWait: true})
		x := s.WaitFailedTransfer(t, feedZone, 10*time.Second)
		if x.Error != "REFUSED" {
			t.Errorf("%s: transfer failed with %q, want REFUSED: %s", k, x.Error, x.Line)
		}
		if soa, err := s.SOA(feedZone); err == nil {
			t.Errorf("%s serves %s after a refused transfer: %v", k, feedZone, soa)
		}
	}
}

// TestExampleSecondaryFeed: corefile-examples/secondaryfeed-sql starts (ports, the
// SQLite file and the report address moved into the test) and does what its comments
// say: a flattened example.org by signed AXFR, the catalog, the validation report.
func TestExampleSecondaryFeed(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "corefile-examples/secondaryfeed-sql/Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	port, web := harness.FreePort(t), fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	cf := strings.ReplaceAll(string(b), ":1053 ", fmt.Sprintf(":%d ", port)) // every key of the block
	cf = strings.ReplaceAll(cf, "127.0.0.1:8053", web)
	cf = strings.ReplaceAll(cf, "corefile-examples/secondaryfeed-sql/zones.db", filepath.Join(t.TempDir(), "zones.db"))
	cf = strings.ReplaceAll(cf, "corefile-examples/", filepath.Join(root, "corefile-examples")+"/")
	key := &harness.TSIGKey{Name: "xfr.example.org.", Algorithm: "hmac-sha256", Secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="}
	p := &primary{addr: fmt.Sprintf("127.0.0.1:%d", port), proc: harness.StartBinary(t, cf)}
	waitBuilt(t, p, "example.org.", key)
	got := rrLines(p.axfr(t, "example.org.", key))
	for _, want := range []string{
		"example.org.\t120\tIN\tA\t192.0.2.10", "example.org.\t120\tIN\tAAAA\t2001:db8::10",
		"www.example.org.\t300\tIN\tCNAME\tweb1.example.net.", "go.example.org.\t300\tIN\tA\t192.0.2.200",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("example.org lacks %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	waitBuilt(t, p, "catalog.invalid.", nil)
	// The catalog lists a zone once it is built: both, soon after the start.
	ptrs := 0
	harness.Eventually(t, 30*time.Second, "the catalog lists example.org and example.net", func() bool {
		ptrs = 0
		for _, rr := range p.axfr(t, "catalog.invalid.", nil) {
			if rr.Header().Rrtype == dns.TypePTR {
				ptrs++
			}
		}
		return ptrs == 2
	})
	resp, err := http.Get("http://" + web + "/?zone=example.org")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"zone":"example.org."`) {
		t.Errorf("report: %d %s", resp.StatusCode, body)
	}
}

// repoRoot is the module's root, where go.mod is.
func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

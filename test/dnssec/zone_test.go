// Package dnssec_test checks online DNSSEC signing of SQL zones the way a user
// sees it: a real validating resolver (Unbound) asks the authoritative server
// under test, trusting the zone's DS as pdnsutil exports it, and must set AD
// on every answer, or fail it (SERVFAIL) when the trust anchor does not match.
// The same zone, keys, cases and rollovers run against PowerDNS
// (powerdns_test.go), which proves the rig, and against hostdns
// (hostdns_test.go).
package dnssec_test

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
)

const origin = "example.org."

// zoneText is the signed zone: apex data, a wildcard, an empty non-terminal
// (b.ent, above a.b.ent), a secure delegation (sub, with glue and DS) and an
// insecure one (insec, no DS), answered for by insecZone.
const zoneText = `$ORIGIN example.org.
@	3600	IN	SOA	ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300
@	3600	IN	NS	ns1.example.org.
@	3600	IN	A	192.0.2.1
ns1	3600	IN	A	192.0.2.53
www	3600	IN	A	192.0.2.10
*.wild	3600	IN	TXT	"wildcard"
a.b.ent	3600	IN	A	192.0.2.20
sub	3600	IN	NS	ns.sub.example.org.
ns.sub	3600	IN	A	192.0.2.54
sub	3600	IN	DS	12345 13 2 8a1d9f5a0e1d3c5b7a9f1e3d5c7b9a1f3e5d7c9b1a3f5e7d9c1b3a5f7e9d1c3b
insec	3600	IN	NS	ns.insec.example.org.
ns.insec	3600	IN	A	127.0.0.1
`

// insecZone is the unsigned child below the insecure delegation, served by
// NSD: Unbound must answer from it without AD, not SERVFAIL.
const insecZone = `$ORIGIN insec.example.org.
@	3600	IN	SOA	ns.insec.example.org. hostmaster.example.org. 1 7200 3600 1209600 300
@	3600	IN	NS	ns.insec.example.org.
ns	3600	IN	A	127.0.0.1
host	3600	IN	A	192.0.2.99
`

// signing is how the zone is secured: its algorithm and its denial of
// existence.
type signing struct {
	name   string
	algo   uint8
	nsec3  string // NSEC3PARAM text; "" is NSEC
	narrow bool
}

func (s signing) denial() uint16 {
	if s.nsec3 == "" {
		return dns.TypeNSEC
	}
	return dns.TypeNSEC3
}

// signings are the variants every case runs in. Algorithm 13 is secured with
// pdnsutil secure-zone (one CSK); 8 and 15 with a KSK and a ZSK.
var signings = []signing{
	{name: "alg13-nsec", algo: dns.ECDSAP256SHA256},
	{name: "alg13-nsec3", algo: dns.ECDSAP256SHA256, nsec3: "1 0 0 -"},
	{name: "alg13-nsec3-narrow", algo: dns.ECDSAP256SHA256, nsec3: "1 0 0 -", narrow: true},
	{name: "alg8-nsec3", algo: dns.RSASHA256, nsec3: "1 0 1 ab"},
	{name: "alg15-nsec", algo: dns.ED25519},
}

// fixture is one test's PowerDNS database holding the zone, and pdnsutil for
// it.
type fixture struct {
	db  *harness.MariaDB
	pdu *harness.PDNSUtil
}

// newFixture creates a database with PowerDNS's schema and the zone, and
// secures the zone as s says, with pdnsutil.
func newFixture(t *testing.T, s signing) *fixture {
	t.Helper()
	f := newUnsignedFixture(t)
	f.secure(t, s)
	return f
}

// secure secures f's zone as s says, with pdnsutil.
func (f *fixture) secure(t *testing.T, s signing) {
	t.Helper()
	if s.algo == dns.ECDSAP256SHA256 {
		f.pdu.SecureZone(t, origin)
	} else {
		f.pdu.AddZoneKey(t, origin, "ksk", "active", "published", s.algo)
		f.pdu.AddZoneKey(t, origin, "zsk", "active", "published", s.algo)
	}
	if s.nsec3 != "" {
		f.pdu.SetNSEC3(t, origin, s.nsec3, s.narrow)
	}
	f.pdu.RectifyZone(t, origin)
}

// newUnsignedFixture is newFixture with no keys yet.
func newUnsignedFixture(t *testing.T) *fixture {
	t.Helper()
	return newZoneFixture(t, zoneText)
}

// newZoneFixture creates a database with PowerDNS's schema and the zone
// text (every record of it, DNSSEC ones included, one row each), rectified.
func newZoneFixture(t *testing.T, text string) *fixture {
	t.Helper()
	db := harness.NewMariaDB(t)
	if _, err := db.DB.Exec(sqlstore.SchemaSQL(sqlstore.MySQL)); err != nil {
		t.Fatalf("loading the PowerDNS schema: %v", err)
	}
	res, err := db.DB.Exec(`INSERT INTO domains (name, type) VALUES (?, 'NATIVE')`, harness.NoDot(origin))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name, typ, content, prio := harness.PowerDNSRow(rr)
		if _, err := db.DB.Exec(`INSERT INTO records (domain_id, name, type, content, ttl, prio) VALUES (?, ?, ?, ?, ?, ?)`,
			id, name, typ, content, rr.Header().Ttl, prio); err != nil {
			t.Fatal(err)
		}
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	pdu := harness.NewPDNSUtil(t, db)
	pdu.RectifyZone(t, origin)
	return &fixture{db: db, pdu: pdu}
}

// anchors returns the zone's DS records of digest type SHA-256, as a
// registrar would be given them.
func (f *fixture) anchors(t *testing.T) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, ds := range f.pdu.ExportZoneDS(t, origin) {
		if ds.DigestType == dns.SHA256 {
			out = append(out, ds)
		}
	}
	if len(out) == 0 {
		t.Fatal("pdnsutil export-zone-ds: no SHA-256 DS")
	}
	return out
}

// resolver starts an Unbound that asks auth for the zone, trusting anchors,
// and insec for the unsigned child.
func resolver(t *testing.T, auth, insec string, anchors []dns.RR) *harness.Unbound {
	t.Helper()
	return harness.StartUnbound(t, harness.UnboundOptions{Zones: []harness.UnboundZone{
		{Name: origin, Addr: auth, Anchors: anchors},
		{Name: "insec." + origin, Addr: insec},
	}})
}

// startInsec serves insecZone from NSD and returns its address.
func startInsec(t *testing.T) string {
	t.Helper()
	return harness.StartNSD(t, map[string]string{"insec." + origin: insecZone}).Addr
}

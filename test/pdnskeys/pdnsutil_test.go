// Package pdnskeys_test checks plugin/pkg/pdnskeys against PowerDNS itself:
// keys and settings made by Debian's pdnsutil in a gsqlite3 database, read
// back with sqlstore, must give the DNSKEYs, key tags, roles and DS records
// pdnsutil shows, and signatures its DNSKEYs verify.
package pdnskeys_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// pdnsutil runs pdnsutil on the configuration in dir and returns its
// standard output.
type pdnsutil func(args ...string) string

// newPowerDNS makes a gsqlite3 database with PowerDNS's own schema and a
// pdns.conf for it in a temporary directory.
func newPowerDNS(t *testing.T) (pdnsutil, *sqlstore.Store) {
	t.Helper()
	bin, err := exec.LookPath("pdnsutil")
	if err != nil {
		t.Skip("pdnsutil is not installed")
	}
	var schema []byte
	for _, p := range []string{"/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql", "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"} {
		if schema, err = os.ReadFile(p); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("pdnsutil is installed, PowerDNS's gsqlite3 schema is not: %v", err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "pdns.sqlite3")
	s, err := sqlstore.Open(sqlstore.SQLite, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.ExecScript(context.Background(), string(schema)); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf("launch=gsqlite3\ngsqlite3-database=%s\ngsqlite3-dnssec=yes\n", db)
	if err := os.WriteFile(filepath.Join(dir, "pdns.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--config-dir=" + dir}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("pdnsutil %v: %v\n%s%s", args, err, out, stderr.String())
		}
		return string(out)
	}, s
}

// shownKey is what pdnsutil show-zone prints of a key.
type shownKey struct {
	role              string
	flags, tag        int
	active, published bool
}

var idLine = regexp.MustCompile(`^ID = (\d+) \((KSK|ZSK|CSK)\), flags = (\d+), tag = (\d+), algo = \d+, bits = \d+\s+(Active|Inactive)\s+(Published|Unpublished)`)

// showZone parses pdnsutil show-zone: the keys by id, and the DS records
// (printed for KSKs and CSKs) as text.
func showZone(t *testing.T, out string) (map[int64]shownKey, []string) {
	t.Helper()
	keys := map[int64]shownKey{}
	var ds []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := idLine.FindStringSubmatch(line); m != nil {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			flags, _ := strconv.Atoi(m[3])
			tag, _ := strconv.Atoi(m[4])
			keys[id] = shownKey{m[2], flags, tag, m[5] == "Active", m[6] == "Published"}
		}
		if rest, ok := strings.CutPrefix(line, "DS = "); ok {
			rest, _, _ = strings.Cut(rest, ";")
			rr, err := dns.NewRR(rest)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			rr.Header().Ttl = 0
			ds = append(ds, rr.String())
		}
	}
	if len(keys) == 0 {
		t.Fatalf("no keys in show-zone output:\n%s", out)
	}
	return keys, ds
}

func TestKeysMadeByPdnsutil(t *testing.T) {
	ctx := context.Background()
	pdns, store := newPowerDNS(t)
	pdns("create-zone", "example.org", "ns1.example.org")
	pdns("create-zone", "example.net", "ns1.example.net")
	addKey := func(args ...string) int64 {
		id, err := strconv.ParseInt(strings.TrimSpace(pdns(append([]string{"add-zone-key", "example.org"}, args...)...)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// Roles, as PowerDNS's getKeys gives them: ECDSA has an active KSK and
	// ZSK, so a split; RSA only a KSK and ED25519 no active key, so CSKs.
	ksk := addKey("ksk", "active", "ecdsa256")
	zsk := addKey("zsk", "active", "ecdsa256")
	rsa := addKey("ksk", "active", "rsasha256", "2048")
	ed := addKey("zsk", "inactive", "ed25519")
	hidden := addKey("ksk", "active", "ecdsa256")
	pdns("unpublish-zone-key", "example.org", strconv.FormatInt(hidden, 10))
	pdns("set-nsec3", "example.org", "1 1 5 ab12", "narrow")
	pdns("set-publish-cds", "example.org", "2,4")
	pdns("set-publish-cdnskey", "example.org")
	pdns("set-meta", "example.org", "SOA-EDIT", "INCEPTION-EPOCH")
	pdns("secure-zone", "example.net")

	domains, err := store.Domains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keyRows, err := store.CryptoKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	metaRows, err := store.DNSSECMetadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rings := map[string]*pdnskeys.Keyring{}
	for _, d := range domains {
		var rows []pdnskeys.Row
		for _, r := range keyRows[d.ID] {
			rows = append(rows, pdnskeys.Row(r))
		}
		var meta []pdnskeys.MetaRow
		for _, r := range metaRows[d.ID] {
			meta = append(meta, pdnskeys.MetaRow(r))
		}
		kr, errs := pdnskeys.New(d.Name, rows, meta)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", d.Name, errs)
		}
		rings[d.Name] = kr
	}

	org := rings["example.org."]
	checkAgainstPdnsutil(t, pdns, org)

	m := org.Meta
	if m.NSEC3 == nil || m.NSEC3.String() != "example.org.\t0\tIN\tNSEC3PARAM\t1 1 5 AB12" || !m.Narrow ||
		!slices.Equal(m.PublishCDS, []uint8{2, 4}) || m.PublishCDNSKEY == nil || !*m.PublishCDNSKEY ||
		m.SOAEdit != "INCEPTION-EPOCH" || m.Presigned {
		t.Errorf("meta %+v", m)
	}
	for _, tc := range []struct {
		qtype uint16
		want  []int64
	}{
		{dns.TypeA, []int64{zsk, rsa}},
		{dns.TypeDNSKEY, []int64{ksk, rsa, hidden}},
		{dns.TypeCDS, []int64{ksk, zsk, rsa, hidden}},
	} {
		if got := ids(org.Signers(tc.qtype)); !slices.Equal(got, tc.want) {
			t.Errorf("signers of %s: %v, want %v", dns.TypeToString[tc.qtype], got, tc.want)
		}
	}
	if got := ids(keysOf(org, org.DNSKEYs(60))); !slices.Equal(got, []int64{ksk, zsk, rsa, ed}) {
		t.Errorf("DNSKEY RRset of keys %v, want %v", got, []int64{ksk, zsk, rsa, ed})
	}
	if got := ids(keysOf(org, org.CDNSKEY(60))); !slices.Equal(got, []int64{ksk, rsa, ed}) {
		t.Errorf("CDNSKEY RRset of keys %v, want %v", got, []int64{ksk, rsa, ed})
	}

	// secure-zone makes one ECDSA CSK (PowerDNS 4.7's defaults).
	net := rings["example.net."]
	checkAgainstPdnsutil(t, pdns, net)
	if !net.Secured() || len(net.Keys) != 1 || net.Role(net.Keys[0]) != pdnskeys.RoleCSK || len(net.Signers(dns.TypeA)) != 1 || net.CDS(60) != nil {
		t.Errorf("example.net: %+v", net)
	}
}

// checkAgainstPdnsutil compares each key with what pdnsutil show-zone and
// export-zone-dnskey print, the DS records shown with the keyring's, and
// verifies signatures of every active key with the DNSKEY pdnsutil exports.
func checkAgainstPdnsutil(t *testing.T, pdns pdnsutil, kr *pdnskeys.Keyring) {
	t.Helper()
	zone := strings.TrimSuffix(kr.Origin, ".")
	shown, shownDS := showZone(t, pdns("show-zone", zone))
	if len(shown) != len(kr.Keys) {
		t.Fatalf("%s: %d keys, pdnsutil shows %d", zone, len(kr.Keys), len(shown))
	}
	var ds, cds []string
	for _, k := range kr.Keys {
		s := shown[k.ID]
		got := shownKey{kr.Role(k), int(k.DNSKEY.Flags), int(k.DNSKEY.KeyTag()), k.Active, k.Published}
		if got != s {
			t.Errorf("%s key %d: %+v, pdnsutil shows %+v", zone, k.ID, got, s)
		}
		theirs := exportDNSKEY(t, pdns, zone, k.ID)
		ours := *k.DNSKEY
		ours.Hdr.Ttl = theirs.Hdr.Ttl
		if ours.String() != theirs.String() {
			t.Errorf("%s key %d: DNSKEY\n%v\npdnsutil exports\n%v", zone, k.ID, &ours, theirs)
		}
		if kr.Role(k) != pdnskeys.RoleZSK {
			for _, d := range []uint8{dns.SHA256, dns.SHA384} {
				ds = append(ds, theirs.ToDS(d).String())
				if k.Published {
					cds = append(cds, theirs.ToDS(d).String())
				}
			}
		}
		if k.Active {
			verifyWith(t, kr, k, theirs)
		}
	}
	slices.Sort(ds)
	slices.Sort(shownDS)
	if !slices.Equal(ds, shownDS) {
		t.Errorf("%s: DS\n%s\npdnsutil shows\n%s", zone, strings.Join(ds, "\n"), strings.Join(shownDS, "\n"))
	}
	if kr.Meta.PublishCDS == nil {
		return
	}
	var got []string
	for _, rr := range kr.CDS(0) {
		c := rr.(*dns.CDS).DS
		c.Hdr.Rrtype = dns.TypeDS
		got = append(got, c.String())
	}
	slices.Sort(got)
	slices.Sort(cds)
	if !slices.Equal(got, cds) {
		t.Errorf("%s: CDS\n%s\nwant the DS of the published entry keys\n%s", zone, strings.Join(got, "\n"), strings.Join(cds, "\n"))
	}
}

// exportDNSKEY is the DNSKEY pdnsutil export-zone-dnskey prints, TTL 0.
func exportDNSKEY(t *testing.T, pdns pdnsutil, zone string, id int64) *dns.DNSKEY {
	t.Helper()
	out := strings.TrimSpace(pdns("export-zone-dnskey", zone, strconv.FormatInt(id, 10)))
	rr, err := dns.NewRR(out)
	if err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	k, ok := rr.(*dns.DNSKEY)
	if !ok {
		t.Fatalf("%q is not a DNSKEY", out)
	}
	k.Hdr.Ttl = 0
	return k
}

// verifyWith signs an RRset at the apex with k as an online signer would,
// and verifies the signature with PowerDNS's DNSKEY of the key.
func verifyWith(t *testing.T, kr *pdnskeys.Keyring, k pdnskeys.Key, theirs *dns.DNSKEY) {
	t.Helper()
	rr, _ := dns.NewRR(kr.Origin + " 300 IN TXT \"signed\"")
	inc, exp := kr.Validity(time.Now())
	sig := &dns.RRSIG{Algorithm: k.DNSKEY.Algorithm, KeyTag: k.DNSKEY.KeyTag(), SignerName: kr.Origin, Inception: inc, Expiration: exp}
	if err := sig.Sign(k.Signer, []dns.RR{rr}); err != nil {
		t.Fatalf("key %d: sign: %v", k.ID, err)
	}
	if err := sig.Verify(theirs, []dns.RR{rr}); err != nil || !sig.ValidityPeriod(time.Now()) {
		t.Errorf("key %d: signature %v does not verify with pdnsutil's DNSKEY now: %v", k.ID, sig, err)
	}
}

// keysOf returns the keys of kr whose DNSKEY an RR of rrs carries.
func keysOf(kr *pdnskeys.Keyring, rrs []dns.RR) []pdnskeys.Key {
	var out []pdnskeys.Key
	for _, rr := range rrs {
		var rd string
		switch x := rr.(type) {
		case *dns.DNSKEY:
			rd = x.PublicKey
		case *dns.CDNSKEY:
			rd = x.PublicKey
		}
		for _, k := range kr.Keys {
			if k.DNSKEY.PublicKey == rd {
				out = append(out, k)
			}
		}
	}
	return out
}

func ids(keys []pdnskeys.Key) []int64 {
	out := []int64{}
	for _, k := range keys {
		out = append(out, k.ID)
	}
	return out
}

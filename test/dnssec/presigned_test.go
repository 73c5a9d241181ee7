package dnssec_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// TestPresigned serves a zone signed offline (ldns-keygen, ldns-signzone: one
// ECDSA P-256 key; NSEC, or NSEC3 with no salt and no extra iteration), all
// of its records rows in the records table and PRESIGNED set with pdnsutil,
// with no cryptokeys row (and again with a leftover active key in cryptokeys
// and SOA-EDIT set): every case validates through a resolver trusting the
// offline key's DS, the DNSKEY set is the stored one, and every RRSIG served
// is one of the stored records, once per RRset: nothing is signed again.
// The same against PowerDNS, with NSEC.
func TestPresigned(t *testing.T) {
	insec := startInsec(t)
	for _, s := range []signing{signings[0], signings[1]} {
		t.Run(s.name, func(t *testing.T) {
			signed, ds := offlineSign(t, zoneText, s.nsec3 != "")
			stored := storedSigs(t, signed)
			for _, v := range []struct {
				a        authority
				keepKeys bool
			}{{hostdns, false}, {powerDNS, false}, {hostdns, true}, {powerDNS, true}} {
				if v.a.name == powerDNS.name && s.nsec3 != "" {
					// PowerDNS keeps a presigned NSEC3 chain in rows of its own
					// layout (what its AXFR-in writes, keyed by ordername), not
					// one row per record: loaded so, it sends NSEC3s without
					// their RRSIGs. The NSEC variant is the reference.
					continue
				}
				name := v.a.name
				if v.keepKeys {
					name += "-with-cryptokeys-soa-edit"
				}
				t.Run(name, func(t *testing.T) {
					f := newZoneFixture(t, signed)
					presign(t, f, s, v.keepKeys)
					addr := v.a.start(t, f)
					checkPresigned(t, addr, resolver(t, addr, insec, []dns.RR{ds}), s, ds, stored)
				})
			}
		})
	}
}

// checkPresigned runs every case and the DNSKEY set through u, and checks
// that the RRSIGs the authority at addr serves are the stored ones.
func checkPresigned(t *testing.T, addr string, u *harness.Unbound, s signing, ds *dns.DS, stored map[string]bool) {
	t.Helper()
	runCases(t, u.Addr, s)
	checkDNSKEY(t, u.Addr, []uint16{ds.KeyTag})
	for _, c := range append(cases, dnsCase{name: "DNSKEY", qname: origin, qtype: dns.TypeDNSKEY}) {
		m := askAuthority(t, addr, c.qname, c.qtype)
		if diffs := sigDiffs(m, stored); len(diffs) > 0 {
			t.Errorf("%s: %s %s: RRSIGs not as stored:\n  %s\n%v", c.name, c.qname, dns.TypeToString[c.qtype],
				strings.Join(diffs, "\n  "), m)
		}
	}
}

// presign marks f's zone PRESIGNED. PowerDNS finds a presigned zone's NSEC
// and NSEC3 records by ordername, which only rectify-zone writes, and it
// rectifies only secured zones and refuses presigned ones: so the zone is
// secured (with s's NSEC3PARAM, PowerDNS's NSEC3 setting) and rectified, and
// its keys are removed unless keepKeys (an active CSK left over in
// cryptokeys, which must sign nothing, and SOA-EDIT set).
func presign(t *testing.T, f *fixture, s signing, keepKeys bool) {
	t.Helper()
	f.pdu.SecureZone(t, origin)
	if s.nsec3 != "" {
		f.pdu.SetNSEC3(t, origin, s.nsec3, false)
	}
	f.pdu.RectifyZone(t, origin)
	if keepKeys {
		// Which PowerDNS ignores for a presigned zone, as must hostdns: an
		// edited serial would not match the stored RRSIG.
		f.pdu.SetMeta(t, origin, "SOA-EDIT", "INCREMENT-WEEKS")
	} else if _, err := f.db.DB.Exec(`DELETE FROM cryptokeys`); err != nil {
		t.Fatal(err)
	}
	f.pdu.SetPresigned(t, origin)
}

// offlineSign signs the zone text with a new key, as an operator signing
// offline does: ldns-keygen makes a KSK-flagged key (flags 257) that
// ldns-signzone signs everything with, adding its DNSKEY and the NSEC chain,
// or with nsec3 the NSEC3 chain of NSEC3PARAM "1 0 0 -" (RFC 9276). It
// returns the signed zone and the key's SHA-256 DS.
func offlineSign(t *testing.T, text string, nsec3 bool) (string, *dns.DS) {
	t.Helper()
	dir := t.TempDir()
	harness.WriteFile(t, dir, "zone", text)
	base := strings.TrimSpace(runIn(t, dir, "ldns-keygen", "-a", "ECDSAP256SHA256", "-k", harness.NoDot(origin)))
	args := []string{"zone", base}
	if nsec3 {
		args = append([]string{"-n", "-t", "0"}, args...)
	}
	runIn(t, dir, "ldns-signzone", args...)
	signed, err := os.ReadFile(filepath.Join(dir, "zone.signed"))
	if err != nil {
		t.Fatal(err)
	}
	keyText, err := os.ReadFile(filepath.Join(dir, base+".key"))
	if err != nil {
		t.Fatal(err)
	}
	rr, err := dns.NewRR(string(keyText))
	key, ok := rr.(*dns.DNSKEY)
	if err != nil || !ok {
		t.Fatalf("%s.key: not a DNSKEY (%v): %q", base, err, keyText)
	}
	return string(signed), key.ToDS(dns.SHA256)
}

// runIn runs a command in dir and returns its standard output.
func runIn(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if e, ok := err.(*exec.ExitError); ok {
			stderr = e.Stderr
		}
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr)
	}
	return string(out)
}

// storedSigs returns the rdata of the zone text's RRSIGs.
func storedSigs(t *testing.T, text string) map[string]bool {
	t.Helper()
	sigs := map[string]bool{}
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if rr.Header().Rrtype == dns.TypeRRSIG {
			sigs[rdata(rr)] = true
		}
	}
	if err := zp.Err(); err != nil || len(sigs) == 0 {
		t.Fatalf("signed zone: %d RRSIGs, %v", len(sigs), err)
	}
	return sigs
}

// sigDiffs lists the RRSIGs of m's answer and authority sections that are
// not stored ones (rdata compared: the owner of a wildcard's is the name
// asked, the TTL of a negative answer's SOA is cut), and the RRsets that do
// not have exactly one (the zone has one key).
func sigDiffs(m *dns.Msg, stored map[string]bool) []string {
	var diffs []string
	for _, section := range [][]dns.RR{m.Answer, m.Ns} {
		count := map[string]int{}
		for _, rr := range section {
			if sig, ok := rr.(*dns.RRSIG); ok {
				count[strings.ToLower(sig.Hdr.Name)+"/"+dns.TypeToString[sig.TypeCovered]]++
				if !stored[rdata(sig)] {
					diffs = append(diffs, "not stored: "+sig.String())
				}
			}
		}
		for _, rr := range section {
			h := rr.Header()
			if h.Rrtype == dns.TypeRRSIG || h.Rrtype == dns.TypeNS && !strings.EqualFold(h.Name, origin) {
				continue // a delegation's NS is not signed (RFC 4035 2.2)
			}
			key := strings.ToLower(h.Name) + "/" + dns.TypeToString[h.Rrtype]
			if n := count[key]; n != 1 {
				diffs = append(diffs, key+": "+strconv.Itoa(n)+" RRSIGs, want 1")
				count[key] = 1 // once per RRset
			}
		}
	}
	return diffs
}

// rdata prints rr without its header.
func rdata(rr dns.RR) string { return strings.TrimPrefix(rr.String(), rr.Header().String()) }

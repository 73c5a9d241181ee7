package interop

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// The sqlsecondary tests run a hostdns node (sqlsecondary + sqlbackend on SQLite) as the
// secondary of real primaries on loopback - BIND, NSD and Knot from Debian's packages, and
// hostdns itself (sqlbackend + transfer) - listed in a SLAVE row: the zone is pulled and
// served answer for answer as the primary serves it, and a change at the primary, notified
// by the primary itself, is followed by IXFR where the primary keeps differences (BIND,
// Knot: their logs say IXFR) and by AXFR where it does not (NSD 4.6, hostdns).

const sqZone = "example.org."

// sqZoneText is sqZone at serial, with a TXT that tells the serial and n host records.
func sqZoneText(serial uint32, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n@ 3600 IN SOA ns1 hostmaster %d 3600 600 1209600 300\n", sqZone, serial)
	b.WriteString("@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n@ 300 IN MX 10 mail\nmail 300 IN A 192.0.2.25\n")
	b.WriteString("sub 3600 IN NS ns.sub\nns.sub 3600 IN A 192.0.2.54\n_sip._tcp 300 IN SRV 10 20 5060 mail\n")
	fmt.Fprintf(&b, "txt 300 IN TXT \"serial %d\"\n", serial)
	for i := range n {
		fmt.Fprintf(&b, "h%d 300 IN A 198.51.100.%d\n", i, i%250+1)
	}
	return b.String()
}

func sqExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
}

// sqStartNode runs the secondary node on port, its zones in the SQLite file at path.
func sqStartNode(t *testing.T, port int, path string) string {
	t.Helper()
	harness.StartServer(t, fmt.Sprintf(`.:%d {
	bind 127.0.0.1
	sqlsecondary {
		driver sqlite
		dsn %s
		poll 100ms
		node interop
	}
	sqlbackend {
		driver sqlite
		dsn %s
		poll 50ms
	}
}
`, port, path, path))
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// sqWaitSerial waits until addr serves zone's SOA with serial.
func sqWaitSerial(t *testing.T, addr, zone string, serial uint32) {
	t.Helper()
	harness.WaitFor(t, addr, zone, dns.TypeSOA, func(m *dns.Msg) bool {
		if m.Rcode != dns.RcodeSuccess || !m.Authoritative || len(m.Answer) != 1 {
			return false
		}
		soa, ok := m.Answer[0].(*dns.SOA)
		return ok && soa.Serial == serial
	}, 20*time.Second)
}

// sqAssertSame checks that the node answers as the primary for names across the zone:
// rcode, AA, answer and authority exactly, additional records only those the primary has.
func sqAssertSame(t *testing.T, node, primary string) {
	t.Helper()
	for _, q := range []struct {
		name string
		qt   uint16
	}{{sqZone, dns.TypeSOA}, {sqZone, dns.TypeNS}, {sqZone, dns.TypeMX}, {"txt." + sqZone, dns.TypeTXT},
		{"_sip._tcp." + sqZone, dns.TypeSRV}, {"h3." + sqZone, dns.TypeA}, {"www.sub." + sqZone, dns.TypeA},
		{"nothere." + sqZone, dns.TypeA}, {"mail." + sqZone, dns.TypeAAAA}} {
		want := harness.Exchange(t, primary, harness.Query(q.name, q.qt), "udp")
		got := harness.Exchange(t, node, harness.Query(q.name, q.qt), "udp")
		r := harness.Response{Rcode: want.Rcode, Authoritative: want.Authoritative}
		for _, rr := range want.Answer {
			r.Answer = append(r.Answer, rr.String())
		}
		for _, rr := range want.Ns {
			r.Ns = append(r.Ns, rr.String())
		}
		// Knot answers minimally: no authority NS with a positive answer. sqlbackend adds
		// the zone's NS there, as BIND and NSD do.
		if want.Rcode == dns.RcodeSuccess && len(want.Answer) > 0 && len(want.Ns) == 0 && q.qt != dns.TypeNS {
			r.Ns = []string{sqZone + " 3600 IN NS ns1." + sqZone}
		}
		// The additional section: only records the primary's holds too. sqlbackend, like
		// CoreDNS's file plugin, adds no glue for the authority's NS of a positive answer.
		ref := map[string]bool{}
		for _, rr := range want.Extra {
			ref[rr.String()] = true
		}
		for _, rr := range got.Extra {
			if rr.Header().Rrtype != dns.TypeOPT && ref[rr.String()] {
				r.Extra = append(r.Extra, rr.String())
			}
		}
		harness.AssertResponse(t, got, r)
	}
}

// TestSQLSecondaryPrimaries: for each primary, a SLAVE row is pulled and served as the
// primary serves it; two changes at the primary, each announced by the primary's own
// NOTIFY, are followed (the SOA refresh is an hour, so only the NOTIFY explains it), by
// IXFR from BIND and Knot.
func TestSQLSecondaryPrimaries(t *testing.T) {
	for _, kind := range harness.PrimaryKinds {
		t.Run(string(kind), func(t *testing.T) {
			db, path := harness.NewSQLite(t)
			port := harness.FreePort(t)
			p := harness.StartPrimary(t, kind, map[string]string{sqZone: sqZoneText(1, 30)},
				harness.PrimaryOptions{NotifyTo: []string{fmt.Sprintf("127.0.0.1:%d", port)}})
			node := sqStartNode(t, port, path)
			sqExec(t, db, `INSERT INTO domains (name, type, master) VALUES ('example.org', 'SLAVE', ?)`, p.Addr)
			sqWaitSerial(t, node, sqZone, 1)
			sqAssertSame(t, node, p.Addr)
			for serial := uint32(2); serial <= 3; serial++ {
				p.SetZone(t, sqZone, sqZoneText(serial, 30))
				sqWaitSerial(t, node, sqZone, serial)
				sqAssertSame(t, node, p.Addr)
			}
			if kind != harness.PrimaryNSD {
				// The primary logs to a pipe: its line may come after its answer.
				harness.Eventually(t, 5*time.Second, string(kind)+" logging 2 IXFRs", func() bool {
					return p.OutgoingTransfers(sqZone, "IXFR") >= 2
				})
			}
		})
	}
}

// TestSQLSecondaryFromHostdns: hostdns itself (sqlbackend on its own SQLite, the transfer
// plugin notifying the node) is the primary: the zone is pulled by AXFR (sqlbackend serves
// IXFR by AXFR fallback), and a SQL change at the primary reaches the node by the
// primary's NOTIFY.
func TestSQLSecondaryFromHostdns(t *testing.T) {
	pdb, ppath := harness.NewSQLite(t)
	sqExec(t, pdb, `INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE')`)
	zp := dns.NewZoneParser(strings.NewReader(sqZoneText(1, 30)), sqZone, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name, typ, content, prio := harness.PowerDNSRow(rr)
		sqExec(t, pdb, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, ?, ?, ?, ?, ?, FALSE, TRUE)`,
			name, typ, content, rr.Header().Ttl, prio)
	}
	nodePort, primaryPort := harness.FreePort(t), harness.FreePort(t)
	harness.StartServer(t, fmt.Sprintf(`.:%d {
	bind 127.0.0.1
	sqlbackend {
		driver sqlite
		dsn %s
		poll 50ms
	}
	transfer {
		to 127.0.0.1:%d
	}
}
`, primaryPort, ppath, nodePort))
	primary := fmt.Sprintf("127.0.0.1:%d", primaryPort)

	db, path := harness.NewSQLite(t)
	node := sqStartNode(t, nodePort, path)
	sqExec(t, db, `INSERT INTO domains (name, type, master) VALUES ('example.org', 'SLAVE', ?)`, primary)
	sqWaitSerial(t, node, sqZone, 1)
	sqAssertSame(t, node, primary)

	tx, err := pdb.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE records SET content = 'ns1.example.org hostmaster.example.org 2 3600 600 1209600 300' WHERE type = 'SOA'`,
		`UPDATE records SET content = '"serial 2"' WHERE name = 'txt.example.org'`,
	} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	sqWaitSerial(t, node, sqZone, 2)
	sqAssertSame(t, node, primary)
}

// TestExampleSecondarySQL: corefile-examples/secondary-sql starts (its ports and SQLite
// file moved into the test, its SLAVE row pointed at a BIND primary instead of
// 127.0.0.1:5300) and serves both its NATIVE zone and the SLAVE zone pulled from BIND.
func TestExampleSecondarySQL(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(root, "corefile-examples/secondary-sql")
	cfb, err := os.ReadFile(filepath.Join(dir, "Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	seed, err := os.ReadFile(filepath.Join(dir, "zones.sql"))
	if err != nil {
		t.Fatal(err)
	}
	p := harness.StartPrimary(t, harness.PrimaryBIND, map[string]string{sqZone: sqZoneText(4, 3)}, harness.PrimaryOptions{})
	work := t.TempDir()
	if !strings.Contains(string(seed), "'127.0.0.1:5300'") {
		t.Fatal("zones.sql no longer lists example.org's master as 127.0.0.1:5300")
	}
	harness.WriteFile(t, work, "zones.sql", strings.ReplaceAll(string(seed), "'127.0.0.1:5300'", "'"+p.Addr+"'"))
	port := harness.FreePort(t)
	cf := strings.ReplaceAll(string(cfb), ":1053 ", fmt.Sprintf(":%d ", port))
	cf = strings.ReplaceAll(cf, "127.0.0.1:9153", fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t)))
	cf = strings.ReplaceAll(cf, "corefile-examples/secondary-sql/", work+"/")
	harness.StartBinaryWith(t, cf, harness.BinaryOptions{Dir: work})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	harness.AssertResponse(t, harness.Exchange(t, addr, harness.Query("www.example.net.", dns.TypeA), "udp"), harness.Response{
		Authoritative: true,
		Answer:        []string{"www.example.net. 3600 IN A 192.0.2.80"},
		Ns:            []string{"example.net. 3600 IN NS ns1.example.net."},
	})
	sqWaitSerial(t, addr, sqZone, 4)
	sqAssertSame(t, addr, p.Addr)
}

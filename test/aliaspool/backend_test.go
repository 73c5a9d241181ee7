package aliaspool

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// backends are the data plugins alias and pool are tested over: the stock file and auto
// plugins and hostdns's sqlbackend (on SQLite, loaded from the same zone text).
var backends = []string{"file", "auto", "sqlbackend"}

// dataPlugin returns the Corefile lines that serve zones (origin -> zone-file text) with
// backend.
func dataPlugin(t *testing.T, backend string, zones map[string]string) string {
	t.Helper()
	origins := make([]string, 0, len(zones))
	for o := range zones {
		origins = append(origins, o)
	}
	sort.Strings(origins)
	switch backend {
	case "file":
		var b strings.Builder
		for _, o := range origins {
			fmt.Fprintf(&b, "    file %s %s\n", writeZone(t, "db."+o, zones[o]), o)
		}
		return b.String()
	case "auto":
		dir := t.TempDir()
		for _, o := range origins {
			harness.WriteFile(t, dir, "db."+harness.NoDot(o), zones[o])
		}
		return fmt.Sprintf("    auto {\n        directory %s\n    }\n", dir)
	case "sqlbackend":
		var sql strings.Builder
		for i, o := range origins {
			fmt.Fprintf(&sql, "INSERT INTO domains (id, name, type) VALUES (%d, '%s', 'NATIVE');\n", i+1, harness.NoDot(o))
			zp := dns.NewZoneParser(strings.NewReader(zones[o]), o, "")
			for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
				name, typ, content, prio := harness.PowerDNSRow(rr)
				fmt.Fprintf(&sql, "INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (%d, '%s', '%s', '%s', %d, %d, 0, 1);\n",
					i+1, name, typ, strings.ReplaceAll(content, "'", "''"), rr.Header().Ttl, prio)
			}
			if err := zp.Err(); err != nil {
				t.Fatalf("zone %s: %v", o, err)
			}
		}
		dir := t.TempDir()
		seed := harness.WriteFile(t, dir, "seed.sql", sql.String())
		return fmt.Sprintf("    sqlbackend {\n        driver sqlite\n        dsn %s/zones.db\n        seed %s\n    }\n", dir, seed)
	}
	t.Fatalf("unknown backend %s", backend)
	return ""
}

// forBackends runs f as a subtest per backend.
func forBackends(t *testing.T, f func(t *testing.T, backend string)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) { f(t, b) })
	}
}

// startServing starts the Corefile and waits until every zone answers its SOA with NOERROR
// (sqlbackend loads its zones in the background after startup): a wait for a state, with
// a generous bound, not a timing assertion.
func startServing(t *testing.T, corefile string, zones ...string) *harness.Server {
	t.Helper()
	s := harness.StartServer(t, corefile)
	for _, z := range zones {
		deadline := time.Now().Add(30 * time.Second)
		for {
			c := &dns.Client{Net: "udp", Timeout: time.Second}
			r, _, err := c.Exchange(harness.Query(z, dns.TypeSOA), s.UDP)
			if err == nil && r.Rcode == dns.RcodeSuccess && r.Authoritative {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("zone %s not served 30s after the start: %v %v", z, r, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return s
}

package benchdata

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/file"
	"github.com/miekg/dns"

	_ "github.com/hostdns/hostdns/plugin/pkg/rrtypes" // ALIAS and POOL in zone files
)

func small() Options {
	return Options{Zones: 5, BigZone: 1000, Seed: 7, Queries: true, SQL: true, RandomQ: 200, MixedQ: 400}
}

func TestGenerateParses(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir, small()); err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile(filepath.Join(dir, ZoneList))
	if err != nil {
		t.Fatal(err)
	}
	origins := strings.Fields(string(list))
	if len(origins) != 5 || origins[0] != "bench-0000.example." {
		t.Fatalf("zones.list = %q", origins)
	}
	for _, o := range origins {
		path := filepath.Join(dir, ZoneDir, "db."+strings.TrimSuffix(o, "."))
		z := parse(t, path, o)
		// Every type a mail provider publishes, plus ALIAS and POOL, made it in.
		types := map[uint16]int{}
		for _, e := range z.All() {
			for _, rr := range e.All() {
				types[rr.Header().Rrtype]++
			}
		}
		types[dns.TypeNS] += len(z.Apex.NS) // SOA and apex NS are kept apart from the tree
		for typ, want := range map[uint16]int{dns.TypeNS: 2, dns.TypeA: 4, dns.TypeAAAA: 3, dns.TypeMX: 1,
			dns.TypeTXT: 3, dns.TypeSRV: 2, dns.TypeCNAME: 2, 65401: 1, 65460: 2} {
			if types[typ] != want {
				t.Errorf("%s: %d records of type %d, want %d", o, types[typ], typ, want)
			}
		}
	}
	big := parse(t, filepath.Join(dir, BigFile), BigOrigin)
	n := 0
	for _, e := range big.All() {
		n += len(e.All())
	}
	if n+3 != 1000 { // All() leaves out the SOA and apex NS
		t.Errorf("big zone has %d records, want 1000", n+3)
	}
}

func parse(t *testing.T, path, origin string) *file.Zone {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := file.Parse(f, origin, path, 0)
	if err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	return z
}

func TestDKIMSplit(t *testing.T) {
	for _, r := range BenchZone(0, 4, 1) {
		if !strings.HasPrefix(r.Owner, "default._domainkey.") {
			continue
		}
		rr, err := dns.NewRR(r.Line())
		if err != nil {
			t.Fatal(err)
		}
		txt := rr.(*dns.TXT).Txt
		total := 0
		for _, s := range txt {
			if len(s) > 255 {
				t.Errorf("string of %d octets", len(s))
			}
			total += len(s)
		}
		if len(txt) < 2 || total < 400 {
			t.Errorf("DKIM TXT is %d strings, %d octets: not a 2048-bit key's size", len(txt), total)
		}
		return
	}
	t.Fatal("no DKIM record")
}

func TestDeterministicAndQueryFiles(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := Generate(d, small()); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{SQLData, SQLBig, "zones/db.bench-0003.example"} {
		x, _ := os.ReadFile(filepath.Join(a, p))
		y, _ := os.ReadFile(filepath.Join(b, p))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with one seed (or is empty)", p)
		}
	}
	want := map[string]int{"hot": 10 * HotNames, "mixed": 400, "random": 200, "alias": 5, "pool": 5, "plain-a": 5, "big-mixed": 400, "big-random": 200}
	for _, mix := range Mixes {
		x, err := os.ReadFile(filepath.Join(a, QueryDir, mix+".txt"))
		y, _ := os.ReadFile(filepath.Join(b, QueryDir, mix+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", mix)
		}
		lines := strings.Split(strings.TrimSpace(string(x)), "\n")
		// hot has at most zones*positives distinct names: 5 zones give 80 < 300.
		if mix == "hot" {
			want[mix] = 10 * min(HotNames, 5*len(positives))
		}
		if len(lines) != want[mix] {
			t.Errorf("%s: %d lines, want %d", mix, len(lines), want[mix])
		}
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) != 2 || !dns.IsFqdn(f[0]) {
				t.Fatalf("%s: bad line %q", mix, l)
			}
			if _, ok := dns.StringToType[f[1]]; !ok {
				t.Fatalf("%s: bad type in %q", mix, l)
			}
		}
	}
	sql, _ := os.ReadFile(filepath.Join(a, SQLData))
	if got := strings.Count(string(sql), "INSERT INTO domains"); got != 5 {
		t.Errorf("%d domains INSERTs, want 5", got)
	}
	if strings.Contains(string(sql), ".',") || strings.Contains(string(sql), "example.'") {
		t.Errorf("SQL has a name with a trailing dot")
	}
}

// TestLargeSetsValid checks the records of the largest sets run.sh generates (100,000 zones,
// the 100,000-record zone), where counters outgrow address fields, without writing them.
func TestLargeSetsValid(t *testing.T) {
	var rrs []RR
	for _, i := range []int{0, 255, 256, 65535, 65536, 99999} {
		rrs = append(rrs, BenchZone(i, Width(100000), 1)...)
	}
	for _, r := range BigZoneRRs(100000) {
		if r.Type == "AAAA" || r.Type == "A" {
			rrs = append(rrs, r)
		}
	}
	seen := map[string]bool{}
	for _, r := range rrs {
		rr, err := dns.NewRR(r.Line())
		if err != nil || rr == nil {
			t.Fatalf("%q: %v", r.Line(), err)
		}
		if r.Type == "A" || r.Type == "AAAA" {
			k := r.Owner + r.Type + r.Zone
			if seen[k] {
				t.Fatalf("duplicate record %q", r.Line())
			}
			seen[k] = true
		}
	}
}

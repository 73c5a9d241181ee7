// Package benchdata writes the data hostdns' benchmarks run on: mail-provider style zones (as
// zone files for the stock file/auto plugins and as PowerDNS generic-schema SQL for sqlbackend
// and PowerDNS), one large zone, and dnsperf query files for several query mixes. Everything is
// derived from a seed, so two runs with the same options write the same bytes.
//
// The command test/bench/gen is a thin wrapper; test/bench/gobench and the generator's tests use
// this package directly.
package benchdata

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// Options says what to generate.
type Options struct {
	Zones     int    // number of bench-NNNN.example. zones (0: none)
	BigZone   int    // records in big.example. (0: no big zone)
	Seed      uint64 // seed for every random choice
	Queries   bool   // write the dnsperf query files
	SQL       bool   // write the PowerDNS-schema SQL files
	RandomQ   int    // lines in the random sub-domain query file (0: default 500,000)
	MixedQ    int    // lines in the mixed query file (0: default 200,000)
	ZoneWidth int    // digits in zone names (0: at least 4, more when Zones needs it)
}

// Defaults are the options run.sh uses for the main comparison.
func Defaults() Options {
	return Options{Zones: 1000, BigZone: 100000, Seed: 1, Queries: true, SQL: true}
}

// Layout of the output directory, relative to it.
const (
	ZoneDir     = "zones"              // db.<origin without dot>, one file per zone (auto's default regexp)
	ZoneList    = "zones.list"         // the origins, fully qualified, one a line
	BigFile     = "big/db.big.example" // the large zone
	BigOrigin   = "big.example."
	SQLSchemaMy = "schema-mysql.sql"  // sqlstore's PowerDNS generic schema, MySQL/MariaDB dialect
	SQLSchemaLt = "schema-sqlite.sql" // sqlstore's PowerDNS generic schema, SQLite dialect
	SQLData     = "pdns-data.sql"     // INSERTs for the bench zones (both dialects)
	SQLBig      = "pdns-big.sql"      // INSERTs for big.example. (both dialects)
	QueryDir    = "queries"           // <mix>.txt, dnsperf format "name TYPE"
)

// Mixes are the query files written into QueryDir, without the .txt suffix.
var Mixes = []string{"hot", "mixed", "random", "alias", "pool", "plain-a", "big-mixed", "big-random"}

// Mixed-mix proportions, in percent; they add up to 100.
const (
	MixedExisting = 60 // names and types that exist: positive answers (CNAMEs chased in-zone)
	MixedNXDOMAIN = 15 // a random label directly under the apex: NXDOMAIN
	MixedNODATA   = 15 // an existing name with a type it does not have: NOERROR, empty answer
	MixedWildcard = 10 // a random label under *.wild: synthesised from the wildcard A
)

// HotNames is how many distinct (name, type) pairs the hot mix repeats.
const HotNames = 300

// RR is one record of a generated zone, in the two forms the outputs need.
type RR struct {
	Owner string // fully qualified, with trailing dot
	TTL   uint32
	Type  string
	Prio  int    // MX preference / SRV priority, -1 when the type has none
	Zone  string // rdata as written in a zone file (MX/SRV include the priority)
	SQL   string // PowerDNS records.content (names without trailing dot, no priority)
}

// Line is the zone file line of r.
func (r RR) Line() string {
	return fmt.Sprintf("%s %d IN %s %s", r.Owner, r.TTL, r.Type, r.Zone)
}

// ZoneName is the origin of bench zone i ("bench-0000.example.").
func ZoneName(i, width int) string { return fmt.Sprintf("bench-%0*d.example.", width, i) }

// Width is the number of digits zone names get for n zones.
func Width(n int) int {
	w := len(fmt.Sprint(max(n-1, 0)))
	return max(w, 4)
}

func nodot(s string) string { return strings.TrimSuffix(s, ".") }

// dkimKey returns a base64 string the size of a 2048-bit RSA public key (SubjectPublicKeyInfo,
// 392 base64 characters). It is not a real key: only its size matters here.
func dkimKey(r *rand.Rand) string {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	prefix := "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
	var sb strings.Builder
	sb.WriteString(prefix)
	for sb.Len() < 388 {
		sb.WriteByte(b64[r.IntN(64)])
	}
	sb.WriteString("IDAQAB")
	return sb.String()
}

// txtStrings splits s into character-strings of at most 255 octets, quoted and space-separated,
// which is both the zone file and the PowerDNS content form of a TXT record.
func txtStrings(s string) string {
	var parts []string
	for len(s) > 255 {
		parts = append(parts, `"`+s[:255]+`"`)
		s = s[255:]
	}
	parts = append(parts, `"`+s+`"`)
	return strings.Join(parts, " ")
}

// BenchZone returns the records of bench zone i: about twenty, as a mail provider publishes
// for a new customer domain, plus one ALIAS and one POOL name.
func BenchZone(i, width int, seed uint64) []RR {
	z := ZoneName(i, width)
	r := rand.New(rand.NewPCG(seed, uint64(i)+1))
	hi, lo := (i>>8)&255, i&255
	v4 := func(host int) string { return fmt.Sprintf("10.%d.%d.%d", hi, lo, host) }
	v6 := func(host int) string { return fmt.Sprintf("2001:db8:%x:%x::%x", i>>16, i&0xffff, host) }
	n := func(label string) string {
		if label == "@" {
			return z
		}
		return label + "." + z
	}
	rr := func(owner string, ttl uint32, typ string, prio int, zone, sql string) RR {
		return RR{Owner: n(owner), TTL: ttl, Type: typ, Prio: prio, Zone: zone, SQL: sql}
	}
	same := func(owner string, ttl uint32, typ, data string) RR { return rr(owner, ttl, typ, -1, data, data) }
	name := func(owner string, ttl uint32, typ, target string) RR {
		return rr(owner, ttl, typ, -1, target, nodot(target))
	}
	soa := fmt.Sprintf("ns1.dns-bench.net. hostmaster.%s 2026112101 7200 3600 1209600 300", z)
	dkim := txtStrings("v=DKIM1; k=rsa; p=" + dkimKey(r))
	return []RR{
		rr("@", 3600, "SOA", -1, soa, fmt.Sprintf("ns1.dns-bench.net hostmaster.%s 2026112101 7200 3600 1209600 300", nodot(z))),
		name("@", 86400, "NS", "ns1.dns-bench.net."),
		name("@", 86400, "NS", "ns2.dns-bench.net."),
		same("@", 3600, "A", v4(1)),
		same("@", 3600, "AAAA", v6(1)),
		rr("@", 3600, "MX", 10, "10 "+n("mail"), nodot(n("mail"))),
		same("@", 3600, "TXT", txtStrings("v=spf1 mx include:_spf.dns-bench.net -all")),
		same("default._domainkey", 3600, "TXT", dkim),
		same("_dmarc", 3600, "TXT", txtStrings("v=DMARC1; p=quarantine; rua=mailto:dmarc@"+nodot(z))),
		rr("_submission._tcp", 3600, "SRV", 0, "0 1 587 "+n("mail"), "1 587 "+nodot(n("mail"))),
		rr("_caldavs._tcp", 3600, "SRV", 0, "0 1 443 "+n("mail"), "1 443 "+nodot(n("mail"))),
		same("*.wild", 3600, "A", v4(4)),
		name("webmail", 3600, "CNAME", n("mail")),
		name("autoconfig", 3600, "CNAME", n("mail")),
		same("www", 3600, "A", v4(2)),
		same("www", 3600, "AAAA", v6(2)),
		same("mail", 3600, "A", v4(3)),
		same("mail", 3600, "AAAA", v6(3)),
		name("apex-alias", 300, "ALIAS", n("www")),
		rr("pool", 300, "POOL", -1, n("www")+" 1", nodot(n("www"))+" 1"),
		rr("pool", 300, "POOL", -1, n("mail")+" 1", nodot(n("mail"))+" 1"),
	}
}

// query is one dnsperf line's name and type.
type query struct{ name, qtype string }

func (q query) String() string { return q.name + " " + q.qtype }

// positives are the (owner label, type) pairs of a bench zone that have an answer.
var positives = []query{
	{"@", "SOA"}, {"@", "NS"}, {"@", "A"}, {"@", "AAAA"}, {"@", "MX"}, {"@", "TXT"},
	{"default._domainkey", "TXT"}, {"_dmarc", "TXT"}, {"_submission._tcp", "SRV"},
	{"_caldavs._tcp", "SRV"}, {"webmail", "A"}, {"autoconfig", "CNAME"}, {"www", "A"},
	{"www", "AAAA"}, {"mail", "A"}, {"mail", "AAAA"},
}

// nodata are (owner label, type) pairs whose name exists without that type.
var nodata = []query{
	{"www", "MX"}, {"www", "TXT"}, {"mail", "TXT"}, {"mail", "MX"}, {"@", "SRV"},
	{"_dmarc", "A"}, {"default._domainkey", "A"}, {"@", "CNAME"},
}

func qname(label, zone string) string {
	if label == "@" {
		return zone
	}
	return label + "." + zone
}

func randLabel(r *rand.Rand, n int) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	// Never start a label with "nx" twice in a row by accident: not needed, labels are random.
	return string(b)
}

// Generate writes everything o asks for into dir, which it creates.
func Generate(dir string, o Options) error {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.RandomQ == 0 {
		o.RandomQ = 500000
	}
	if o.MixedQ == 0 {
		o.MixedQ = 200000
	}
	if o.ZoneWidth == 0 {
		o.ZoneWidth = Width(o.Zones)
	}
	for _, d := range []string{dir, filepath.Join(dir, ZoneDir), filepath.Join(dir, filepath.Dir(BigFile)), filepath.Join(dir, QueryDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := writeZones(dir, o); err != nil {
		return err
	}
	if o.BigZone > 0 {
		if err := writeBig(dir, o); err != nil {
			return err
		}
	}
	if o.SQL {
		if err := writeFile(filepath.Join(dir, SQLSchemaMy), func(w *bufio.Writer) error { _, err := w.WriteString(sqlstore.SchemaSQL(sqlstore.MySQL)); return err }); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, SQLSchemaLt), func(w *bufio.Writer) error { _, err := w.WriteString(sqlstore.SchemaSQL(sqlstore.SQLite)); return err }); err != nil {
			return err
		}
	}
	if o.Queries {
		if err := writeQueries(dir, o); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, fill func(w *bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	if err := fill(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ZoneFile returns the zone file text of rrs for origin.
func ZoneFile(origin string, rrs []RR) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "$ORIGIN %s\n$TTL 3600\n", origin)
	for _, r := range rrs {
		sb.WriteString(r.Line())
		sb.WriteByte('\n')
	}
	return sb.String()
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// writeSQLZone writes one domains row and its records as one multi-row INSERT.
func writeSQLZone(w *bufio.Writer, id int, origin string, rrs []RR) {
	fmt.Fprintf(w, "INSERT INTO domains (id,name,type) VALUES (%d,%s,'NATIVE');\n", id, sqlQuote(nodot(origin)))
	const head = "INSERT INTO records (domain_id,name,type,content,ttl,prio,disabled,auth) VALUES\n"
	for i, r := range rrs {
		if i%500 == 0 {
			if i > 0 {
				w.WriteString(";\n")
			}
			w.WriteString(head)
		} else {
			w.WriteString(",\n")
		}
		prio := max(r.Prio, 0)
		// TRUE/FALSE, not 1/0: PostgreSQL's gpgsql columns are booleans, and
		// MariaDB and SQLite read the keywords as 1 and 0.
		fmt.Fprintf(w, "(%d,%s,%s,%s,%d,%d,FALSE,TRUE)", id, sqlQuote(nodot(r.Owner)), sqlQuote(r.Type), sqlQuote(r.SQL), r.TTL, prio)
	}
	w.WriteString(";\n")
}

func writeZones(dir string, o Options) error {
	var list strings.Builder
	for i := 0; i < o.Zones; i++ {
		z := ZoneName(i, o.ZoneWidth)
		list.WriteString(z + "\n")
		text := ZoneFile(z, BenchZone(i, o.ZoneWidth, o.Seed))
		if err := os.WriteFile(filepath.Join(dir, ZoneDir, "db."+nodot(z)), []byte(text), 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ZoneList), []byte(list.String()), 0o644); err != nil {
		return err
	}
	if !o.SQL {
		return nil
	}
	return writeFile(filepath.Join(dir, SQLData), func(w *bufio.Writer) error {
		w.WriteString("-- hostdns benchmark zones, PowerDNS generic schema (test/bench/gen)\nBEGIN;\n")
		for i := 0; i < o.Zones; i++ {
			z := ZoneName(i, o.ZoneWidth)
			writeSQLZone(w, i+1, z, BenchZone(i, o.ZoneWidth, o.Seed))
		}
		w.WriteString("COMMIT;\n")
		return nil
	})
}

// BigHost is the owner of host j in big.example.
func BigHost(j int) string { return fmt.Sprintf("h%06d.%s", j, BigOrigin) }

// BigZoneRRs returns the records of big.example.: SOA, two NS, then hosts h000000... with an A
// record each, an AAAA on every fourth and a TXT on every tenth, until there are n records.
func BigZoneRRs(n int) []RR {
	z := BigOrigin
	rrs := []RR{
		{Owner: z, TTL: 3600, Type: "SOA", Prio: -1,
			Zone: "ns1.dns-bench.net. hostmaster.big.example. 2026112101 7200 3600 1209600 300",
			SQL:  "ns1.dns-bench.net hostmaster.big.example 2026112101 7200 3600 1209600 300"},
		{Owner: z, TTL: 86400, Type: "NS", Prio: -1, Zone: "ns1.dns-bench.net.", SQL: "ns1.dns-bench.net"},
		{Owner: z, TTL: 86400, Type: "NS", Prio: -1, Zone: "ns2.dns-bench.net.", SQL: "ns2.dns-bench.net"},
	}
	for j := 0; len(rrs) < n; j++ {
		h := BigHost(j)
		a := fmt.Sprintf("10.%d.%d.%d", (j>>16)&255, (j>>8)&255, j&255)
		rrs = append(rrs, RR{Owner: h, TTL: 3600, Type: "A", Prio: -1, Zone: a, SQL: a})
		if j%4 == 0 && len(rrs) < n {
			v6 := fmt.Sprintf("2001:db8:b16::%x:%x", j>>16, j&0xffff)
			rrs = append(rrs, RR{Owner: h, TTL: 3600, Type: "AAAA", Prio: -1, Zone: v6, SQL: v6})
		}
		if j%10 == 0 && len(rrs) < n {
			t := txtStrings(fmt.Sprintf("host %d", j))
			rrs = append(rrs, RR{Owner: h, TTL: 3600, Type: "TXT", Prio: -1, Zone: t, SQL: t})
		}
	}
	return rrs
}

// bigHosts is how many hosts BigZoneRRs(n) creates.
func bigHosts(rrs []RR) int {
	hosts := 0
	for _, r := range rrs {
		if r.Type == "A" {
			hosts++
		}
	}
	return hosts
}

func writeBig(dir string, o Options) error {
	rrs := BigZoneRRs(o.BigZone)
	if err := os.WriteFile(filepath.Join(dir, BigFile), []byte(ZoneFile(BigOrigin, rrs)), 0o644); err != nil {
		return err
	}
	if !o.SQL {
		return nil
	}
	return writeFile(filepath.Join(dir, SQLBig), func(w *bufio.Writer) error {
		w.WriteString("-- hostdns benchmark: big.example., PowerDNS generic schema (test/bench/gen)\nBEGIN;\n")
		writeSQLZone(w, o.Zones+1, BigOrigin, rrs)
		w.WriteString("COMMIT;\n")
		return nil
	})
}

func writeLines(path string, qs []query) error {
	return writeFile(path, func(w *bufio.Writer) error {
		for _, q := range qs {
			w.WriteString(q.String())
			w.WriteByte('\n')
		}
		return nil
	})
}

func writeQueries(dir string, o Options) error {
	qdir := filepath.Join(dir, QueryDir)
	r := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	files := map[string][]query{}
	if o.Zones > 0 {
		zone := func() string { return ZoneName(r.IntN(o.Zones), o.ZoneWidth) }

		// hot: HotNames distinct existing pairs, each ten times, shuffled.
		seen := map[query]bool{}
		var hot []query
		for len(hot) < HotNames && len(seen) < o.Zones*len(positives) {
			p := positives[r.IntN(len(positives))]
			q := query{qname(p.name, zone()), p.qtype}
			if !seen[q] {
				seen[q] = true
				hot = append(hot, q)
			}
		}
		var hotAll []query
		for range 10 {
			hotAll = append(hotAll, hot...)
		}
		r.Shuffle(len(hotAll), func(i, j int) { hotAll[i], hotAll[j] = hotAll[j], hotAll[i] })
		files["hot"] = hotAll

		// mixed: fixed proportions, drawn per line.
		mixed := make([]query, 0, o.MixedQ)
		for range o.MixedQ {
			z := zone()
			switch p := r.IntN(100); {
			case p < MixedExisting:
				x := positives[r.IntN(len(positives))]
				mixed = append(mixed, query{qname(x.name, z), x.qtype})
			case p < MixedExisting+MixedNXDOMAIN:
				mixed = append(mixed, query{"nx-" + randLabel(r, 8) + "." + z, "A"})
			case p < MixedExisting+MixedNXDOMAIN+MixedNODATA:
				x := nodata[r.IntN(len(nodata))]
				mixed = append(mixed, query{qname(x.name, z), x.qtype})
			default:
				mixed = append(mixed, query{randLabel(r, 8) + ".wild." + z, "A"})
			}
		}
		files["mixed"] = mixed

		// random: water torture, a fresh random label under a served zone on every line.
		random := make([]query, 0, o.RandomQ)
		for range o.RandomQ {
			random = append(random, query{randLabel(r, 12) + "." + zone(), "A"})
		}
		files["random"] = random

		// alias, pool, plain-a: one name per zone (at most 10,000), same order in all three.
		n := min(o.Zones, 10000)
		perm := r.Perm(o.Zones)[:n]
		for _, f := range []struct{ mix, label string }{{"alias", "apex-alias"}, {"pool", "pool"}, {"plain-a", "www"}} {
			qs := make([]query, 0, n)
			for _, i := range perm {
				qs = append(qs, query{f.label + "." + ZoneName(i, o.ZoneWidth), "A"})
			}
			files[f.mix] = qs
		}
	}
	if o.BigZone > 0 {
		hosts := bigHosts(BigZoneRRs(o.BigZone))
		// big-mixed: the mixed proportions, within big.example.
		bm := make([]query, 0, o.MixedQ)
		for range o.MixedQ {
			j := r.IntN(hosts)
			switch p := r.IntN(100); {
			case p < MixedExisting:
				bm = append(bm, query{BigHost(j), "A"})
			case p < MixedExisting+MixedNXDOMAIN:
				bm = append(bm, query{"nx-" + randLabel(r, 8) + "." + BigOrigin, "A"})
			case p < MixedExisting+MixedNXDOMAIN+MixedNODATA:
				bm = append(bm, query{BigHost(j), "MX"})
			default:
				// big.example. has no wildcard: a name below an existing host is NXDOMAIN too.
				bm = append(bm, query{randLabel(r, 8) + "." + BigHost(j), "A"})
			}
		}
		files["big-mixed"] = bm
		br := make([]query, 0, o.RandomQ)
		for range o.RandomQ {
			br = append(br, query{randLabel(r, 12) + "." + BigOrigin, "A"})
		}
		files["big-random"] = br
	}
	for _, mix := range Mixes {
		qs, ok := files[mix]
		if !ok {
			continue
		}
		if err := writeLines(filepath.Join(qdir, mix+".txt"), qs); err != nil {
			return err
		}
	}
	return nil
}

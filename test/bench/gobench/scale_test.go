package gobench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
)

// The scale benchmarks (BenchmarkZoneSpread, BenchmarkLoadMillion) measure sqlbackend alone
// as the number of zones grows, on zones zone1.test ... zoneN.test of ten records each, the
// shape of docs/sqlbackend-performance.md "Loading benchmark data", in SQLite files made
// once and kept in a cache directory. They load up to a million records and take minutes,
// so they run only when HOSTDNS_BENCH_SCALE is set:
//
//	HOSTDNS_BENCH_SCALE=1 go test -run '^$' -bench 'ZoneSpread|LoadMillion' -benchtime 200000x -timeout 60m ./test/bench/gobench
//
// HOSTDNS_BENCH_ZONES ("1000,100000" by default) gives the two zone counts; the load
// benchmark uses the larger. HOSTDNS_BENCH_CACHE is the directory of the SQLite files
// (default: the user's cache directory, hostdns-gobench).
const (
	scaleEnv       = "HOSTDNS_BENCH_SCALE"
	scaleZonesEnv  = "HOSTDNS_BENCH_ZONES"
	scaleCacheEnv  = "HOSTDNS_BENCH_CACHE"
	recordsPerZone = 10
	scaleLoadLimit = 30 * time.Minute // for the first answer of the last zone
)

// scaleZones returns the small and large zone counts, skipping the benchmark when the
// scale benchmarks are not asked for.
func scaleZones(b *testing.B) (small, large int) {
	if os.Getenv(scaleEnv) == "" {
		b.Skipf("set %s=1 to run (minutes; see test/bench/README.md)", scaleEnv)
	}
	small, large = 1000, 100000
	if v := os.Getenv(scaleZonesEnv); v != "" {
		s, l, ok := strings.Cut(v, ",")
		var err1, err2 error
		small, err1 = strconv.Atoi(strings.TrimSpace(s))
		large, err2 = strconv.Atoi(strings.TrimSpace(l))
		if !ok || err1 != nil || err2 != nil || small < 1 || large < small {
			b.Fatalf("%s=%q: want SMALL,LARGE zone counts, 1 <= SMALL <= LARGE", scaleZonesEnv, v)
		}
	}
	return small, large
}

// scaleDatabase returns an SQLite file holding zones zone1.test ... zoneN.test with the
// PowerDNS schema and no change log (sqlbackend adds it at start-up, as on a bare PowerDNS
// database), made on first use and kept in the cache directory.
func scaleDatabase(b *testing.B, zones int) string {
	b.Helper()
	dir := os.Getenv(scaleCacheEnv)
	if dir == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			b.Fatalf("no cache directory (%v): set %s", err, scaleCacheEnv)
		}
		dir = filepath.Join(c, "hostdns-gobench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("zones-%d.sqlite", zones))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	// Made under another name and renamed, so an interrupted run leaves no half a file
	// that a later one would take for whole.
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	start := time.Now()
	if err := writeScaleZones(tmp, zones); err != nil {
		os.Remove(tmp)
		b.Fatalf("making %s: %v", path, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("made %s (%d zones) in %s", path, zones, time.Since(start).Round(time.Millisecond))
	return path
}

// writeScaleZones writes the schema and the zones with the statements of
// docs/sqlbackend-performance.md, in SQLite's dialect: a recursive CTE for MariaDB's
// seq_1_to_N, || for CONCAT.
func writeScaleZones(path string, zones int) error {
	ctx := context.Background()
	s, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.ExecScript(ctx, sqlstore.SchemaSQL(sqlstore.SQLite)); err != nil {
		return err
	}
	ins := `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) SELECT id, `
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO domains (id, name, type) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < %d) SELECT n, 'zone' || n || '.test', 'NATIVE' FROM seq`, zones),
		ins + `name, 'SOA', 'ns1.' || name || ' hostmaster.' || name || ' 1 7200 3600 1209600 300', 3600, 0, 0, 1 FROM domains`,
		ins + `name, 'NS', 'ns1.' || name, 3600, 0, 0, 1 FROM domains`,
		ins + `name, 'NS', 'ns2.example.net', 3600, 0, 0, 1 FROM domains`,
		ins + `name, 'MX', 'mail.' || name, 3600, 10, 0, 1 FROM domains`,
		ins + `name, 'TXT', '"v=spf1 mx -all"', 3600, 0, 0, 1 FROM domains`,
		ins + `'ns1.' || name, 'A', '10.' || (id / 65536 % 256) || '.' || (id / 256 % 256) || '.' || (id % 256), 3600, 0, 0, 1 FROM domains`,
		ins + `'mail.' || name, 'A', '192.0.2.25', 3600, 0, 0, 1 FROM domains`,
		ins + `'www.' || name, 'A', '192.0.2.80', 3600, 0, 0, 1 FROM domains`,
		ins + `'www.' || name, 'AAAA', '2001:db8::80', 3600, 0, 0, 1 FROM domains`,
		ins + `'*.' || name, 'A', '192.0.2.99', 3600, 0, 0, 1 FROM domains`,
	} {
		if _, err := s.DB.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	var n int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM records`).Scan(&n); err != nil {
		return err
	}
	if n != zones*recordsPerZone {
		return fmt.Errorf("%d records, want %d", n, zones*recordsPerZone)
	}
	return nil
}

// scaleServer starts sqlbackend on db and waits until zone<zones>.test answers its SOA,
// returning the plugin chain, the time from start to that answer, and a stop function.
func scaleServer(b *testing.B, db string, zones int) (h plugin.Handler, startup time.Duration, stop func()) {
	b.Helper()
	label := fmt.Sprintf("scale-%d-%d", zones, time.Now().UnixNano())
	start := time.Now()
	s := harness.StartServer(b, fmt.Sprintf(".:0 {\nbenchcapture %s\nsqlbackend {\n driver sqlite\n dsn %s\n}\n}\n", label, db))
	h = capturedChain(b, label)
	waitAnswered(b, h, fmt.Sprintf("zone%d.test.", zones), scaleLoadLimit)
	return h, time.Since(start), s.Stop
}

// spreadQuery is query i of a run over zones: zone (i*stride mod zones)+1, so consecutive
// queries land in distant zones and every zone is asked in turn, with a mix of names and
// types: positive answers, a wildcard, NODATA and NXDOMAIN.
func spreadQuery(m *dns.Msg, i, zones int) {
	const stride = 7919 // a prime: coprime with any zone count it does not divide
	z := (i*stride)%zones + 1
	shapes := [...]struct {
		prefix string
		qtype  uint16
	}{{"www.", dns.TypeA}, {"mail.", dns.TypeA}, {"", dns.TypeMX}, {"www.", dns.TypeAAAA}, {"x.", dns.TypeA}, {"www.", dns.TypeTXT}, {"nx.www.", dns.TypeA}}
	s := shapes[i%len(shapes)]
	m.SetQuestion(s.prefix+"zone"+strconv.Itoa(z)+".test.", s.qtype)
}

// spreadResult is what one run of n queries cost.
type spreadResult struct {
	wall, cpu time.Duration // ServeDNS time summed; the whole process's CPU time
	n         int
	gcs       uint32
}

func (r spreadResult) wallPerQ() float64 { return float64(r.wall.Nanoseconds()) / float64(max(r.n, 1)) }
func (r spreadResult) cpuPerQ() float64  { return float64(r.cpu.Nanoseconds()) / float64(max(r.n, 1)) }

// runSpread sends query i (spreadQuery) to h for each i that next gives.
func runSpread(h plugin.Handler, zones int, next func(i int) bool) spreadResult {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gcs := ms.NumGC
	ctx, w := context.Background(), &test.ResponseWriter{}
	m := new(dns.Msg)
	var r spreadResult
	cpu := harness.ProcessCPU()
	for ; next(r.n); r.n++ {
		spreadQuery(m, r.n, zones)
		rec := dnstest.NewRecorder(w)
		t0 := time.Now()
		h.ServeDNS(ctx, rec, m)
		r.wall += time.Since(t0)
	}
	r.cpu = harness.ProcessCPU() - cpu
	runtime.ReadMemStats(&ms)
	r.gcs = ms.NumGC - gcs
	return r
}

// BenchmarkZoneSpread measures sqlbackend's cost per query with few zones and with many,
// in one run: the small set is loaded alone and asked under b.Loop (which picks the count:
// -benchtime), then stopped; the large set is loaded alone and asked the same number of
// queries, spread the same way over all its zones. Each set is alone in memory while it is
// asked, with the default GOGC, so the garbage collector's share of the cost is the one
// that set's heap brings. Metrics, per set: cpu-ns/q, the process's CPU time (user+system:
// the collector's background work included) per query; ns/q, the time in ServeDNS per
// query; GCs. ratio-cpu and ratio-ns are large over small (1.00: the number of zones costs
// nothing). The ns/op line is the small set's ServeDNS time.
func BenchmarkZoneSpread(b *testing.B) {
	small, large := scaleZones(b)
	smallDB, largeDB := scaleDatabase(b, small), scaleDatabase(b, large)

	h, _, stop := scaleServer(b, smallDB, small)
	runtime.GC()
	rs := runSpread(h, small, func(int) bool { return b.Loop() })
	stop()
	h = nil
	runtime.GC()

	h, _, stop = scaleServer(b, largeDB, large)
	defer stop()
	runtime.GC()
	rl := runSpread(h, large, func(i int) bool { return i < rs.n })

	b.ReportMetric(rs.wallPerQ(), "ns/op")
	for _, x := range []struct {
		name string
		r    spreadResult
	}{{zoneLabel(small), rs}, {zoneLabel(large), rl}} {
		b.ReportMetric(x.r.cpuPerQ(), x.name+"-cpu-ns/q")
		b.ReportMetric(x.r.wallPerQ(), x.name+"-ns/q")
		b.ReportMetric(float64(x.r.gcs), x.name+"-GCs")
	}
	b.ReportMetric(rl.cpuPerQ()/max(rs.cpuPerQ(), 1), "ratio-cpu")
	b.ReportMetric(rl.wallPerQ()/max(rs.wallPerQ(), 1), "ratio-ns")
}

// zoneLabel names a zone count in a metric: 1000 -> "1k-zones".
func zoneLabel(n int) string {
	if n%1000 == 0 {
		return fmt.Sprintf("%dk-zones", n/1000)
	}
	return fmt.Sprintf("%d-zones", n)
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC() // the first may leave finalizer-held memory for the second
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkLoadMillion measures sqlbackend's start-up on the larger zone set (100,000 zones
// of 10 records: a million records by default): startup-s, the time from starting the
// server to the first answer for the last zone (sqlbackend loads every zone before it
// serves them), and heap-B/record, the live heap it adds (after a full collection,
// against the same before the start) per record. A start is not a loop body: each call
// makes one, whatever b.N (ns/op is that start's time), and a start of a million records
// outlasts the default -benchtime, so the testing package calls it once or twice.
func BenchmarkLoadMillion(b *testing.B) {
	_, zones := scaleZones(b)
	db := scaleDatabase(b, zones)
	records := float64(zones * recordsPerZone)
	before := liveHeap()
	gcBefore := harness.CollectionCPU()
	h, startup, stop := scaleServer(b, db, zones)
	after := liveHeap()
	gcAfter := harness.CollectionCPU()
	runtime.KeepAlive(h)
	stop()
	heap := float64(after) - float64(before)
	b.ReportMetric(float64(startup.Nanoseconds()), "ns/op")
	b.ReportMetric(startup.Seconds(), "startup-s")
	b.ReportMetric(heap/records, "heap-B/record")
	b.ReportMetric(heap/(1<<20), "heap-MiB")
	b.ReportMetric(records, "records")
	b.ReportMetric(float64(gcBefore.Microseconds())/1000, "gc-cpu-ms-empty")
	b.ReportMetric(float64(gcAfter.Microseconds())/1000, "gc-cpu-ms")
}

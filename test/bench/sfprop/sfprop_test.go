// Package sfprop measures how fast real secondaries follow SQL commits through hostdns:
// secondaryfeed (NOTIFY with SOA, IXFR) next to the stock transfer plugin (NOTIFY, AXFR-style
// answers), on one SQLite file, with the default polls. It is a benchmark, run by
// test/bench/secondaryfeed.sh (part "follow"), never a timed test:
//
//	HOSTDNS_BINARY=bin/coredns go test -run '^$' -bench CommitToServed -benchtime 50x ./test/bench/sfprop
package sfprop

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
)

const (
	zone  = "prop.example."
	hosts = 1497 // with the SOA and two NS: 1,500 records
	base  = uint32(2026120600)
)

// gap is the pause after a commit is served everywhere before the next commit: 0 measures
// back-to-back changes, where BIND and Knot (behind either primary) show NOTIFY-to-served
// tails of 0.3-1 s that a second between changes does not.
var gap = flag.Duration("sfprop.gap", 0, "pause between a commit served everywhere and the next commit")

// zoneText is the zone as first loaded: SOA, two NS, hosts h0000..h1496 with an A each.
func zoneText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n@ 3600 IN SOA ns1.prop.example. hostmaster.prop.example. %d 3600 600 1209600 300\n", zone, base)
	b.WriteString("@ 3600 IN NS ns1.prop.example.\n@ 3600 IN NS ns2.prop.example.\n")
	for i := 0; i < hosts; i++ {
		fmt.Fprintf(&b, "h%04d 3600 IN A 10.0.%d.%d\n", i, i/250, i%250+1)
	}
	return b.String()
}

// newDB creates the SQLite file (PowerDNS schema, sqlstore's change log) holding the zone.
func newDB(b *testing.B) (string, *sqlstore.Store) {
	b.Helper()
	var sql strings.Builder
	fmt.Fprintf(&sql, "INSERT INTO domains (id, name, type) VALUES (1, '%s', 'NATIVE');\n", harness.NoDot(zone))
	zp := dns.NewZoneParser(strings.NewReader(zoneText()), zone, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name, typ, content, prio := harness.PowerDNSRow(rr)
		fmt.Fprintf(&sql, "INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, '%s', '%s', '%s', %d, %d, 0, 1);\n",
			name, typ, content, rr.Header().Ttl, prio)
	}
	if err := zp.Err(); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	seed := harness.WriteFile(b, dir, "seed.sql", sql.String())
	path := filepath.Join(dir, "zones.db")
	if err := sqlstore.SeedSQLite(context.Background(), path, seed); err != nil {
		b.Fatal(err)
	}
	s, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return path, s
}

// change commits change i, 7 rows in one transaction as a PowerDNS user's tool makes it: the
// SOA serial set to base+i, three A records changed, two records added, one deleted (what
// change i-1 added, or h0010 the first time); it returns the serial and the commit time.
func change(b *testing.B, s *sqlstore.Store, i int) (uint32, time.Time) {
	b.Helper()
	serial := base + uint32(i)
	del := fmt.Sprintf("name = 'c%d-a.prop.example'", i-1)
	if i == 1 {
		del = "name = 'h0010.prop.example' AND type = 'A'"
	}
	stmts := []string{
		fmt.Sprintf("UPDATE records SET content = 'ns1.prop.example hostmaster.prop.example %d 3600 600 1209600 300' WHERE name = 'prop.example' AND type = 'SOA'", serial),
		fmt.Sprintf("UPDATE records SET content = '192.0.2.%d' WHERE name = 'h0001.prop.example' AND type = 'A'", i%250+1),
		fmt.Sprintf("UPDATE records SET content = '192.0.2.%d' WHERE name = 'h0002.prop.example' AND type = 'A'", i%250+2),
		fmt.Sprintf("UPDATE records SET content = '192.0.2.%d' WHERE name = 'h0003.prop.example' AND type = 'A'", i%250+3),
		fmt.Sprintf("INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, 'c%d-a.prop.example', 'A', '198.51.100.%d', 3600, 0, 0, 1)", i, i%250+1),
		fmt.Sprintf("INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, 'c%d-b.prop.example', 'AAAA', '2001:db8::%x', 3600, 0, 0, 1)", i, i),
		"DELETE FROM records WHERE domain_id = 1 AND " + del,
	}
	tx, err := s.DB.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for _, st := range stmts {
		if _, err := tx.Exec(st); err != nil {
			tx.Rollback()
			b.Fatalf("%s: %v", st, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return serial, time.Now()
}

// primary is one hostdns process and its secondaries.
type primary struct {
	name   string // "feed" or "stock"
	addr   string
	secs   []*harness.Secondary
	notify *notifyRecorder
}

// notifyRecorder is one more NOTIFY target of a primary, beside its secondaries: it
// acknowledges every NOTIFY and keeps when each arrived, which stands for when the primary
// sent them all (both plugins send to every target at once), so NOTIFY-to-served is the
// time from there to a secondary serving the serial.
type notifyRecorder struct {
	addr string
	mu   sync.Mutex
	at   []time.Time
}

func startRecorder(b *testing.B) *notifyRecorder {
	b.Helper()
	pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", harness.FreePort(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pc.Close() })
	r := &notifyRecorder{addr: pc.LocalAddr().String()}
	go func() {
		buf := make([]byte, dns.MaxMsgSize)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return // closed
			}
			now := time.Now()
			m := new(dns.Msg)
			if m.Unpack(buf[:n]) != nil || m.Opcode != dns.OpcodeNotify {
				continue
			}
			r.mu.Lock()
			r.at = append(r.at, now)
			r.mu.Unlock()
			ack := new(dns.Msg).SetReply(m)
			if out, err := ack.Pack(); err == nil {
				pc.WriteTo(out, from)
			}
		}
	}()
	return r
}

// firstAfter returns when the first NOTIFY after t arrived.
func (r *notifyRecorder) firstAfter(t time.Time) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, at := range r.at {
		if at.After(t) {
			return at, true
		}
	}
	return time.Time{}, false
}

// startPrimary runs hostdns on the database with the given plugin lines (notifying ports)
// and starts one secondary of each kind on those ports.
func startPrimary(b *testing.B, name, db string, plugin func(to []string) string) *primary {
	b.Helper()
	ports := map[harness.SecondaryKind]int{}
	rec := startRecorder(b)
	to := []string{rec.addr}
	for _, k := range harness.SecondaryKinds {
		ports[k] = harness.FreePort(b)
		to = append(to, fmt.Sprintf("127.0.0.1:%d", ports[k]))
	}
	port := harness.FreePort(b)
	corefile := fmt.Sprintf(".:%d {\n\tbind 127.0.0.1\n%s\tsqlbackend {\n\t\tdriver sqlite\n\t\tdsn %s\n\t}\n}\n", port, plugin(to), db)
	p := &primary{name: name, addr: fmt.Sprintf("127.0.0.1:%d", port), notify: rec}
	harness.StartBinary(b, corefile)
	harness.WaitFor(b, p.addr, zone, dns.TypeSOA, func(m *dns.Msg) bool {
		return m.Rcode == dns.RcodeSuccess && m.Authoritative && len(m.Answer) > 0 && m.Answer[0].(*dns.SOA).Serial == base
	}, 60*time.Second)
	for _, k := range harness.SecondaryKinds {
		p.secs = append(p.secs, harness.StartSecondary(b, k, harness.SecondaryOptions{
			Primary: p.addr, Zones: []string{zone}, Port: ports[k], Timeout: 60 * time.Second}))
	}
	return p
}

// key names one secondary: its primary ("feed", "stock") and its kind.
type key struct{ primary, kind string }

// BenchmarkCommitToServed commits b.N changes; after each it waits until all eight
// secondaries serve the new serial, and reports p50/p99/max per primary and secondary kind.
func BenchmarkCommitToServed(b *testing.B) {
	path, store := newDB(b)
	feed := startPrimary(b, "feed", path, func(to []string) string {
		return fmt.Sprintf("\tsecondaryfeed %s {\n\t\tallow 127.0.0.1\n\t\tto %s\n\t}\n", zone, strings.Join(to, " "))
	})
	stock := startPrimary(b, "stock", path, func(to []string) string {
		return fmt.Sprintf("\ttransfer {\n\t\tto %s\n\t}\n", strings.Join(to, " "))
	})
	prims := []*primary{feed, stock}
	commits := 0
	// A sub-benchmark, so the servers above start once: the testing package calls it
	// with b.N = 1 first, then with -benchtime's count.
	b.Run("sfprop", func(b *testing.B) {
		var st stats
		before := transferKinds(prims)
		for i := 0; i < b.N; i++ {
			commits++
			serial, at := change(b, store, commits)
			st.add(prims, at, servedAll(b, prims, serial, at))
			time.Sleep(*gap)
		}
		b.StopTimer()
		if b.N > 1 {
			report(b, prims, &st, before)
		}
	})
}

// stats are the samples of a run: commit to served and NOTIFY to served per secondary,
// commit to NOTIFY per primary.
type stats struct {
	served, notified map[key][]time.Duration
	// sent: commit to NOTIFY; every: commit to the last of the primary's secondaries
	// serving the serial (the "every secondary").
	sent, every map[string][]time.Duration
}

func (st *stats) add(prims []*primary, at time.Time, served map[key]time.Time) {
	if st.served == nil {
		st.served, st.notified = map[key][]time.Duration{}, map[key][]time.Duration{}
		st.sent, st.every = map[string][]time.Duration{}, map[string][]time.Duration{}
	}
	for _, p := range prims {
		sent, ok := p.notify.firstAfter(at)
		if ok {
			st.sent[p.name] = append(st.sent[p.name], sent.Sub(at))
		}
		var last time.Duration
		for _, s := range p.secs {
			k := key{p.name, string(s.Kind)}
			st.served[k] = append(st.served[k], served[k].Sub(at))
			last = max(last, served[k].Sub(at))
			// Served before any NOTIFY (a refresh timer, a NOTIFY of an earlier change
			// arriving late) is no NOTIFY-to-served sample.
			if ok && !served[k].Before(sent) {
				st.notified[k] = append(st.notified[k], served[k].Sub(sent))
			}
		}
		st.every[p.name] = append(st.every[p.name], last)
	}
}

// servedAll waits until every secondary serves serial and returns when each first did.
func servedAll(b *testing.B, prims []*primary, serial uint32, at time.Time) map[key]time.Time {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		out  = map[key]time.Time{}
		errs []string
	)
	for _, p := range prims {
		for _, s := range p.secs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				when, err := s.ServedAt(zone, serial, at.Add(30*time.Second))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Sprintf("%s/%s: %v", p.name, s.Kind, err))
					return
				}
				out[key{p.name, string(s.Kind)}] = when
			}()
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		b.Fatal(strings.Join(errs, "\n"))
	}
	return out
}

// transferKinds counts each secondary's logged transfers of the zone by kind.
func transferKinds(prims []*primary) map[key]map[string]int {
	out := map[key]map[string]int{}
	for _, p := range prims {
		for _, s := range p.secs {
			m := map[string]int{}
			for _, x := range s.Transfers(zone) {
				k := x.Kind
				if k == "" {
					k = "XFR"
				}
				m[k]++
				if x.Bytes > 0 {
					m[k+"-bytes"] += x.Bytes
				}
			}
			out[key{p.name, string(s.Kind)}] = m
		}
	}
	return out
}

// report prints one line per primary and secondary kind: commit-to-served and
// NOTIFY-to-served percentiles and the transfers the secondary logged during the run; the
// percentiles over every secondary of a primary also as benchmark metrics.
func report(b *testing.B, prims []*primary, st *stats, before map[key]map[string]int) {
	after := transferKinds(prims)
	out := os.Stdout
	fmt.Fprintf(out, "    propagation: %d commits of 7 rows to %s (1,500 records); ms from the SQL commit (and from the NOTIFY) to the new serial served\n", b.N, zone)
	fmt.Fprintf(out, "    %-8s %-6s %6s %6s %6s   %-17s %s\n", "kind", "prim.", "p50", "p99", "max", "NOTIFY p50/p99", "transfers logged during the run (bytes: mean per transfer, as logged)")
	for _, p := range prims {
		var all, allN []time.Duration
		for _, s := range p.secs {
			k := key{p.name, string(s.Kind)}
			d, n := st.served[k], st.notified[k]
			all, allN = append(all, d...), append(allN, n...)
			fmt.Fprintf(out, "    %-8s %-6s %6s %6s %6s   %-17s %s\n", s.Kind, p.name, ms(pct(d, 50)), ms(pct(d, 99)), ms(pct(d, 100)),
				fmt.Sprintf("%s/%s (%d)", ms(pct(n, 50)), ms(pct(n, 99)), len(n)), kinds(before[k], after[k]))
		}
		fmt.Fprintf(out, "    %-8s %-6s %6s %6s %6s   %-17s commit to NOTIFY sent: p50 %s, p99 %s ms (%d NOTIFYs)\n", "all", p.name,
			ms(pct(all, 50)), ms(pct(all, 99)), ms(pct(all, 100)), fmt.Sprintf("%s/%s", ms(pct(allN, 50)), ms(pct(allN, 99))),
			ms(pct(st.sent[p.name], 50)), ms(pct(st.sent[p.name], 99)), len(st.sent[p.name]))
		e := st.every[p.name]
		fmt.Fprintf(out, "    %-8s %-6s %6s %6s %6s   (per commit: the last of the %d secondaries)\n", "every", p.name, ms(pct(e, 50)), ms(pct(e, 99)), ms(pct(e, 100)), len(p.secs))
		b.ReportMetric(float64(pct(e, 50))/1e6, p.name+"-every-p50-ms")
		b.ReportMetric(float64(pct(e, 99))/1e6, p.name+"-every-p99-ms")
	}
}

func kinds(before, after map[string]int) string {
	var parts []string
	for _, k := range []string{"IXFR", "AXFR", "XFR"} {
		n := after[k] - before[k]
		if n == 0 {
			continue
		}
		s := fmt.Sprintf("%d %s", n, k)
		if by := after[k+"-bytes"] - before[k+"-bytes"]; by > 0 {
			s += fmt.Sprintf(" (%d bytes)", by/n)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// pct returns the p-th percentile of d (nearest rank).
func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i, 1)-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/1e6) }

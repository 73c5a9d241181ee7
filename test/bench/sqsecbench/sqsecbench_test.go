// Package sqsecbench measures sqlsecondary against the targets of issue 14, item 7, with
// real parts: coredns processes (the built binary, sqlsecondary + sqlbackend with their
// default settings) sharing one MariaDB, and BIND or a Go primary on loopback. It holds
// benchmarks only, run by test/bench/sqlsecondary.sh, never timed tests:
//
//	HOSTDNS_BINARY=bin/coredns go test -run '^$' -bench . -benchtime 20x ./test/bench/sqsecbench
package sqsecbench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
)

// bigZone is zone at serial with 1,500 records: SOA, NS, the NS's address and 1,497 hosts,
// of which three change address with the serial (a customer's usual change).
func bigZone(zone string, serial uint32) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n@ 3600 IN SOA ns1 hostmaster %d 3600 600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n", zone, serial)
	for i := range 1497 {
		if i < 3 {
			fmt.Fprintf(&b, "h%04d 300 IN A 192.0.%d.%d\n", i, i, serial%250+1)
			continue
		}
		fmt.Fprintf(&b, "h%04d 300 IN A 10.0.%d.%d\n", i, i/250, i%250+1)
	}
	return b.String()
}

type bench struct {
	db    *harness.MariaDB
	nodes []*harness.Process
	addrs []string
}

// start creates the database (PowerDNS schema) and nodes coredns processes on ports with
// sqlsecondary and sqlbackend at their default settings.
func start(b *testing.B, ports []int, nodes int) *bench {
	b.Helper()
	m := harness.NewMariaDB(b)
	s, err := sqlstore.Open(sqlstore.MySQL, m.DSN)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.CreatePowerDNSSchema(context.Background()); err != nil {
		b.Fatal(err)
	}
	s.Close()
	bn := &bench{db: m}
	for i := range nodes {
		port := ports[i]
		cf := fmt.Sprintf(".:%d {\n\tbind 127.0.0.1\n\tsqlsecondary {\n\t\tdriver mysql\n\t\tdsn %s\n\t\tnode bench-%d\n\t}\n\tsqlbackend {\n\t\tdriver mysql\n\t\tdsn %s\n\t}\n}\n", port, m.DSN, i, m.DSN)
		bn.nodes = append(bn.nodes, harness.StartBinary(b, cf))
		bn.addrs = append(bn.addrs, fmt.Sprintf("127.0.0.1:%d", port))
	}
	return bn
}

func freePorts(b *testing.B, n int) []int {
	var ps []int
	for range n {
		ps = append(ps, harness.FreePort(b))
	}
	return ps
}

// serves says whether addr answers zone's SOA with serial.
func serves(c *dns.Client, addr, zone string, serial uint32) bool {
	m, _, err := c.Exchange(harness.Query(zone, dns.TypeSOA), addr)
	if err != nil || m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 {
		return false
	}
	soa, ok := m.Answer[0].(*dns.SOA)
	return ok && soa.Serial == serial
}

// waitAll polls every address every 5 ms until all serve zone at serial, and returns when
// the last one did; it fails after limit.
func waitAll(b *testing.B, addrs []string, zone string, serial uint32, limit time.Duration) time.Time {
	b.Helper()
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	done := make([]bool, len(addrs))
	var last time.Time
	deadline := time.Now().Add(limit)
	for slices.Contains(done, false) {
		for i, a := range addrs {
			if !done[i] && serves(c, a, zone, serial) {
				done[i], last = true, time.Now()
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s serial %d not served by all of %v within %s (done %v)", zone, serial, addrs, limit, done)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return last
}

// report prints and records p50, p99 and max of ds, in ms.
func report(b *testing.B, what string, ds []time.Duration) {
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))+0.999)-1)] }
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("%s over %d runs: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n", what, len(ds), ms(q(0.5)), ms(q(0.99)), ms(ds[len(ds)-1]))
	b.ReportMetric(ms(q(0.5)), "p50-ms")
	b.ReportMetric(ms(q(0.99)), "p99-ms")
	b.ReportMetric(ms(ds[len(ds)-1]), "max-ms")
}

// BenchmarkRowToServed: per iteration a SLAVE row for a new 1,500-record zone (BIND holds
// b.N of them) is inserted; measured until both nodes answer its SOA.
func BenchmarkRowToServed(b *testing.B) {
	zones := map[string]string{}
	for i := range b.N {
		z := fmt.Sprintf("r%03d.bench.", i)
		zones[z] = bigZone(z, 1)
	}
	primary := harness.StartPrimary(b, harness.PrimaryBIND, zones, harness.PrimaryOptions{})
	bn := start(b, freePorts(b, 2), 2)
	var ds []time.Duration
	b.ResetTimer()
	for i := range b.N {
		z := fmt.Sprintf("r%03d.bench.", i)
		t0 := time.Now()
		if _, err := bn.db.DB.Exec(`INSERT INTO domains (name, type, master) VALUES (?, 'SLAVE', ?)`, strings.TrimSuffix(z, "."), primary.Addr); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, waitAll(b, bn.addrs, z, 1, 30*time.Second).Sub(t0))
	}
	b.StopTimer()
	report(b, "SLAVE row inserted -> both nodes answer (1,500 records)", ds)
}

// notifySink is a NOTIFY target of the primary's own, to time its NOTIFYs.
type notifySink struct {
	addr string
	got  chan time.Time
}

func newNotifySink(b *testing.B) *notifySink {
	s := &notifySink{got: make(chan time.Time, 100)}
	srv := &dns.Server{Addr: "127.0.0.1:0", Net: "udp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) {
		if m.Opcode == dns.OpcodeNotify {
			s.got <- time.Now()
		}
		r := new(dns.Msg)
		r.SetReply(m)
		r.Authoritative = true
		w.WriteMsg(r)
	})}
	up := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(up) }
	go srv.ListenAndServe()
	<-up
	s.addr = srv.PacketConn.LocalAddr().String()
	b.Cleanup(func() { srv.Shutdown() })
	return s
}

// BenchmarkNotifyToServed: BIND notifies both nodes and the benchmark; per iteration the
// zone (1,500 records) gets a new serial and three changed addresses; measured from the
// primary's NOTIFY (as the benchmark's own target received it, or when BIND was seen
// serving the new serial, whichever came first: BIND notifies its targets one by one) to
// both nodes serving the new serial, polled every 5 ms.
func BenchmarkNotifyToServed(b *testing.B) {
	const zone = "n.bench."
	ports := freePorts(b, 2)
	sink := newNotifySink(b)
	primary := harness.StartPrimary(b, harness.PrimaryBIND, map[string]string{zone: bigZone(zone, 1)},
		harness.PrimaryOptions{NotifyTo: []string{"127.0.0.1:" + strconv.Itoa(ports[0]), "127.0.0.1:" + strconv.Itoa(ports[1]), sink.addr}})
	bn := start(b, ports, 2)
	if _, err := bn.db.DB.Exec(`INSERT INTO domains (name, type, master) VALUES ('n.bench', 'SLAVE', ?)`, primary.Addr); err != nil {
		b.Fatal(err)
	}
	waitAll(b, bn.addrs, zone, 1, 30*time.Second)
	var ds []time.Duration
	b.ResetTimer()
	for i := range b.N {
		serial := uint32(i + 2)
		for len(sink.got) > 0 {
			<-sink.got
		}
		primary.SetZone(b, zone, bigZone(zone, serial))
		sent := time.Now()
		select {
		case t := <-sink.got:
			if t.Before(sent) {
				sent = t
			}
		default:
		}
		ds = append(ds, max(0, waitAll(b, bn.addrs, zone, serial, 30*time.Second).Sub(sent)))
	}
	b.StopTimer()
	report(b, "primary's NOTIFY -> both nodes serve the new serial (1,500 records, IXFR)", ds)
	fmt.Printf("primary logged %d IXFRs, %d AXFRs\n", primary.OutgoingTransfers(zone, "IXFR"), primary.OutgoingTransfers(zone, "AXFR"))
	if os.Getenv("SQSEC_DEBUG") != "" {
		for _, l := range strings.Split(primary.Log(), "\n") {
			if strings.Contains(l, "transfer") || strings.Contains(l, "notify") || strings.Contains(l, "loaded serial") {
				fmt.Println(l)
			}
		}
	}
}

// manyPrimary serves zones m00000.many. ... (SOA refresh 60 s, 5 records each) and counts
// the SOA queries and transfers it answers.
type manyPrimary struct {
	addr       string
	soas, xfrs atomic.Int64
	records    map[string][]dns.RR // read-only once serving
}

func manyZoneName(i int) string { return fmt.Sprintf("m%05d.many.", i) }

func startManyPrimary(b *testing.B, n int) *manyPrimary {
	p := &manyPrimary{records: map[string][]dns.RR{}}
	for i := range n {
		z := manyZoneName(i)
		var rrs []dns.RR
		for _, s := range []string{
			z + " 3600 IN SOA ns1." + z + " hostmaster." + z + " 1 60 30 1209600 300",
			z + " 3600 IN NS ns1." + z, "ns1." + z + " 3600 IN A 192.0.2.53",
			"www." + z + " 300 IN A 192.0.2.80", z + " 300 IN MX 10 ns1." + z,
		} {
			rr, err := dns.NewRR(s)
			if err != nil {
				b.Fatal(err)
			}
			rrs = append(rrs, rr)
		}
		p.records[z] = rrs
	}
	p.addr = "127.0.0.1:" + strconv.Itoa(harness.FreePort(b))
	for _, network := range []string{"udp", "tcp"} {
		srv := &dns.Server{Addr: p.addr, Net: network, Handler: p}
		up := make(chan error, 1)
		srv.NotifyStartedFunc = func() { up <- nil }
		go func() { up <- srv.ListenAndServe() }()
		if err := <-up; err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { srv.Shutdown() })
	}
	return p
}

func (p *manyPrimary) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	rrs, ok := p.records[strings.ToLower(r.Question[0].Name)]
	if !ok {
		m.Rcode = dns.RcodeRefused
		w.WriteMsg(m)
		return
	}
	m.Authoritative = true
	switch r.Question[0].Qtype {
	case dns.TypeSOA:
		p.soas.Add(1)
		m.Answer = rrs[:1]
	case dns.TypeAXFR, dns.TypeIXFR:
		p.xfrs.Add(1)
		m.Answer = append(append([]dns.RR{}, rrs...), rrs[0])
	}
	w.WriteMsg(m)
}

func rssMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkManyZones (run it once, -benchtime 1x): 10,000 SLAVE rows are in the database
// when one node starts (sqlsecondary + sqlbackend, defaults); measured: the time until
// every zone is transferred and served, the node's RSS then, and over the next window
// (SOA refresh 60 s, so every zone is checked in it) the SOA checks per second at the
// primary and the database rows written per second (hostdns_changes, which the triggers
// fill for every records and domains change; the lease table is not in it).
func BenchmarkManyZones(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("SQSEC_ZONES"))
	if n == 0 {
		n = 10000
	}
	window := 70 * time.Second
	if w, err := time.ParseDuration(os.Getenv("SQSEC_WINDOW")); err == nil {
		window = w
	}
	primary := startManyPrimary(b, n)
	m := harness.NewMariaDB(b)
	s, err := sqlstore.Open(sqlstore.MySQL, m.DSN)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.CreatePowerDNSSchema(context.Background()); err != nil {
		b.Fatal(err)
	}
	s.Close()
	for lo := 0; lo < n; lo += 1000 {
		var vals []string
		for i := lo; i < min(lo+1000, n); i++ {
			vals = append(vals, fmt.Sprintf("('%s', 'SLAVE', '%s')", strings.TrimSuffix(manyZoneName(i), "."), primary.addr))
		}
		if _, err := m.DB.Exec(`INSERT INTO domains (name, type, master) VALUES ` + strings.Join(vals, ",")); err != nil {
			b.Fatal(err)
		}
	}
	port := harness.FreePort(b)
	cf := fmt.Sprintf(".:%d {\n\tbind 127.0.0.1\n\tsqlsecondary {\n\t\tdriver mysql\n\t\tdsn %s\n\t}\n\tsqlbackend {\n\t\tdriver mysql\n\t\tdsn %s\n\t}\n}\n", port, m.DSN, m.DSN)
	b.ResetTimer()
	t0 := time.Now()
	proc := harness.StartBinary(b, cf)
	ready := time.Since(t0)
	var synced int
	var most time.Duration // until 99 % of the zones were transferred
	harness.Eventually(b, 15*time.Minute, "every zone transferred", func() bool {
		m.DB.QueryRow(`SELECT COUNT(DISTINCT domain_id) FROM records`).Scan(&synced)
		if most == 0 && synced*100 >= n*99 {
			most = time.Since(t0)
		}
		return synced == n
	})
	last := manyZoneName(n - 1)
	harness.WaitFor(b, fmt.Sprintf("127.0.0.1:%d", port), last, dns.TypeSOA, func(r *dns.Msg) bool { return r.Rcode == dns.RcodeSuccess }, time.Minute)
	all := time.Since(t0)
	b.StopTimer()
	rss := rssMB(proc.Cmd.Process.Pid)
	if os.Getenv("SQSEC_DEBUG") != "" {
		var lo, hi int64
		m.DB.QueryRow(`SELECT MIN(last_check), MAX(last_check) FROM domains`).Scan(&lo, &hi)
		fmt.Printf("last_check spread %d s\n", hi-lo)
		rows, _ := m.DB.Query(`SELECT last_check - ?, COUNT(*) FROM domains GROUP BY last_check ORDER BY last_check`, lo)
		for rows != nil && rows.Next() {
			var at, k int
			rows.Scan(&at, &k)
			fmt.Printf("  +%ds: %d zones\n", at, k)
		}
	}
	fmt.Printf("%d zones: process answering after %s, 99 %% of the zones transferred after %s, every zone transferred and served after %s (%d transfers), RSS %.0f MiB\n",
		n, ready.Round(time.Millisecond), most.Round(time.Millisecond), all.Round(time.Millisecond), primary.xfrs.Load(), rss)
	fmt.Printf("transfer failures the node logged: %d (each zone retried after its SOA retry, 30 s)\n", strings.Count(proc.Output(), "keeping the last good copy"))

	var c0, c1 int64
	m.DB.QueryRow(`SELECT COALESCE(MAX(id), 0) FROM hostdns_changes`).Scan(&c0)
	s0, x0, w0 := primary.soas.Load(), primary.xfrs.Load(), time.Now()
	time.Sleep(window) // a measurement window, not a wait for an event
	m.DB.QueryRow(`SELECT COALESCE(MAX(id), 0) FROM hostdns_changes`).Scan(&c1)
	secs := time.Since(w0).Seconds()
	soaRate := float64(primary.soas.Load()-s0) / secs
	fmt.Printf("steady state over %.0f s (SOA refresh 60 s): %.1f SOA checks/s at the primary, %d transfers, %.2f database rows written/s (hostdns_changes), RSS %.0f MiB\n",
		secs, soaRate, primary.xfrs.Load()-x0, float64(c1-c0)/secs, rssMB(proc.Cmd.Process.Pid))
	b.ReportMetric(all.Seconds(), "sync-s")
	b.ReportMetric(rss, "rss-MiB")
	b.ReportMetric(soaRate, "soa/s")
}

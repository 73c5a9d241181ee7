// Command dnsprobe is the "normal client" of test/bench/abusepool.sh: it sends DNS queries over
// UDP at a fixed rate from one local address and reports how many were answered and how fast,
// while another client floods the same server. Send times are scheduled in advance (query i at
// start + i/rate) and each latency is measured from its scheduled time, so a server that stalls
// shows the stall in every query scheduled during it. A query unanswered after -timeout is lost.
//
//	dnsprobe -server 127.0.0.1:15353 -local 127.0.0.2 -name www.bench-0001.example. -rate 200 -d 10s
//
// With -queries QUERYFILE it asks that file's queries ("name TYPE" lines, dnsperf's format) in
// turn instead of one name, for a latency figure over a mix (test/bench/hotpath.sh).
//
// It prints one line of key=value pairs. With -flood QUERYFILE it is the flood instead (flood.go).
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"
)

type probe struct {
	mu      sync.Mutex
	sentAt  map[uint16]time.Time // scheduled send time of each query in flight, by message id
	latency []time.Duration
	wrong   int // answers that are not NOERROR
	// lateMax is how far behind its schedule the sender wrote a query at worst: a probe
	// that is itself starved of CPU charges its own delay to the server, and this says so.
	lateMax time.Duration
}

func main() {
	server := flag.String("server", "", "server address host:port")
	local := flag.String("local", "127.0.0.2", "local address to send from (another source than the flood)")
	name := flag.String("name", "", "query name (A)")
	queries := flag.String("queries", "", "ask this file's queries (name TYPE lines) in turn instead of -name")
	rate := flag.Float64("rate", 200, "queries per second")
	dur := flag.Duration("d", 10*time.Second, "duration")
	timeout := flag.Duration("timeout", time.Second, "a query unanswered after this is lost")
	floodFile := flag.String("flood", "", "flood mode: send this file's queries (name TYPE lines) open loop at -rate for -d")
	flag.Parse()
	if *floodFile != "" {
		conn, err := dial(*local, *server)
		if err == nil {
			err = flood(conn, *floodFile, *rate, *dur)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "dnsprobe:", err)
			os.Exit(1)
		}
		return
	}
	// Message ids tell the queries apart, so at most 65,536 of them.
	if *server == "" || (*name == "") == (*queries == "") || *rate <= 0 || *rate*dur.Seconds() > 65536 {
		flag.Usage()
		os.Exit(2)
	}
	msgs, err := templates(*name, *queries)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dnsprobe:", err)
		os.Exit(1)
	}
	conn, err := dial(*local, *server)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dnsprobe:", err)
		os.Exit(1)
	}
	p := &probe{sentAt: map[uint16]time.Time{}}
	go p.read(conn)
	sent := p.send(conn, msgs, *rate, *dur)
	time.Sleep(*timeout) // the last queries' time to be answered: anything later is lost anyway
	p.report(sent)
}

func dial(local, server string) (*net.UDPConn, error) {
	laddr, err := net.ResolveUDPAddr("udp", net.JoinHostPort(local, "0"))
	if err != nil {
		return nil, err
	}
	raddr, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialUDP("udp", laddr, raddr)
	if err != nil {
		return nil, err
	}
	return conn, conn.SetReadBuffer(4 << 20)
}

// templates returns the packed queries to send in turn: name A, or the queries of qfile.
func templates(name, qfile string) ([][]byte, error) {
	if qfile != "" {
		return packQueries(qfile, 65536)
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	b, err := m.Pack()
	return [][]byte{b}, err
}

// send sends rate queries a second for d, msgs in turn, and returns how many it sent.
func (p *probe) send(conn *net.UDPConn, msgs [][]byte, rate float64, d time.Duration) int {
	total := int(rate * d.Seconds())
	start := time.Now()
	buf := make([]byte, 0, 512)
	for i := range total {
		at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		time.Sleep(time.Until(at))
		if late := time.Since(at); late > p.lateMax {
			p.lateMax = late
		}
		// Each query its own id (the index), which is how its answer finds its send time.
		buf = append(buf[:0], msgs[i%len(msgs)]...)
		id := uint16(i)
		binary.BigEndian.PutUint16(buf, id)
		p.mu.Lock()
		p.sentAt[id] = at
		p.mu.Unlock()
		if _, err := conn.Write(buf); err != nil {
			fmt.Fprintln(os.Stderr, "dnsprobe: write:", err)
		}
	}
	return total
}

func (p *probe) read(conn *net.UDPConn) {
	buf := make([]byte, 65535)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		now := time.Now()
		m := new(dns.Msg)
		if m.Unpack(buf[:n]) != nil {
			continue
		}
		p.mu.Lock()
		if at, ok := p.sentAt[m.Id]; ok {
			delete(p.sentAt, m.Id)
			p.latency = append(p.latency, now.Sub(at))
			if m.Rcode != dns.RcodeSuccess {
				p.wrong++
			}
		}
		p.mu.Unlock()
	}
}

func (p *probe) report(sent int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lat := slices.Clone(p.latency)
	slices.Sort(lat)
	answered := len(lat)
	share := 0.0
	if sent > 0 {
		share = 100 * float64(answered) / float64(sent)
	}
	fmt.Printf("sent=%d answered=%d answered_pct=%.2f not_noerror=%d p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f sender_late_max_ms=%.3f\n",
		sent, answered, share, p.wrong, ms(quantile(lat, 0.50)), ms(quantile(lat, 0.99)), ms(quantile(lat, 0.999)), ms(quantile(lat, 1)), ms(p.lateMax))
}

// quantile of the answered queries' sorted latencies; lost queries are not among them (the
// answered share is reported beside it).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

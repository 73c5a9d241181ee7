package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// flood sends the queries of qfile ("name TYPE" lines, dnsperf's format) over one UDP socket
// at rate a second for d, open loop: unlike dnsperf, which waits for answers and so slows
// down as soon as a server drops, it keeps sending whatever comes back. It reports what it
// sent and what was answered.
func flood(conn *net.UDPConn, qfile string, rate float64, d time.Duration) error {
	msgs, err := packQueries(qfile, 20000)
	if err != nil {
		return err
	}
	var answered atomic.Int64
	go func() {
		buf := make([]byte, 65535)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
			answered.Add(1)
		}
	}()
	const tick = time.Millisecond
	perTick := rate * tick.Seconds()
	start := time.Now()
	sent, owed := 0, 0.0
	for next := start; time.Since(start) < d; next = next.Add(tick) {
		time.Sleep(time.Until(next))
		for owed += perTick; owed >= 1; owed-- {
			if _, err := conn.Write(msgs[sent%len(msgs)]); err == nil {
				sent++
			}
		}
	}
	elapsed := time.Since(start)
	time.Sleep(500 * time.Millisecond) // the last answers
	fmt.Printf("flood_sent=%d flood_answered=%d flood_sent_per_s=%.0f flood_answered_per_s=%.0f\n",
		sent, answered.Load(), float64(sent)/elapsed.Seconds(), float64(answered.Load())/elapsed.Seconds())
	return nil
}

// packQueries packs up to n queries of qfile, each with its own message id.
func packQueries(qfile string, n int) ([][]byte, error) {
	f, err := os.Open(qfile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(out) < n {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		qtype, ok := dns.StringToType[strings.ToUpper(fields[1])]
		if !ok {
			continue
		}
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(fields[0]), qtype)
		m.Id = uint16(len(out))
		b, err := m.Pack()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", sc.Text(), err)
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no queries", qfile)
	}
	return out, nil
}

package capture

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkReadPcap reads a capture of 10,000 UDP exchanges (query and answer), to show that
// reading is not what bounds a replay: the servers are.
func BenchmarkReadPcap(b *testing.B) {
	var buf bytes.Buffer
	c := newCapWriter(b, &buf, false)
	for i := range 10000 {
		q := query(fmt.Sprintf("host%d.example.org.", i), dns.TypeA, uint16(i))
		q.SetEdns0(1232, true)
		port := uint16(10000 + i%50000)
		c.udp(client4, port, server4, 53, q)
		c.udp(server4, 53, client4, port, answer(q, fmt.Sprintf("host%d.example.org. 300 IN A 192.0.2.1", i)))
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if _, err := ReadPcap(bytes.NewReader(data), func(Query) error { n++; return nil }); err != nil || n != 10000 {
			b.Fatalf("%d queries, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10000), "ns/query")
}

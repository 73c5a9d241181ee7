package sqlbackend

import (
	"fmt"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// bigZoneRows is a zone like test/bench's big.example: n hosts with an A
// record, an AAAA on every 4th and a TXT on every 10th.
func bigZoneRows(n int) []sqlstore.Row {
	rows := []sqlstore.Row{
		{ID: 1, Name: "big.example", Type: "SOA", Content: "ns1.example.net hostmaster.example.net 1 7200 3600 1209600 300", TTL: 3600},
		{ID: 2, Name: "big.example", Type: "NS", Content: "ns1.example.net", TTL: 3600},
	}
	for i := 0; len(rows) < n; i++ {
		host := fmt.Sprintf("h%06d.big.example", i)
		rows = append(rows, sqlstore.Row{ID: int64(len(rows) + 1), Name: host, Type: "A", Content: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), TTL: 300})
		if i%4 == 0 {
			rows = append(rows, sqlstore.Row{ID: int64(len(rows) + 1), Name: host, Type: "AAAA", Content: fmt.Sprintf("2001:db8::%x:%x", i>>16, i&0xffff), TTL: 300})
		}
		if i%10 == 0 {
			rows = append(rows, sqlstore.Row{ID: int64(len(rows) + 1), Name: host, Type: "TXT", Content: fmt.Sprintf(`"host %d"`, i), TTL: 300})
		}
	}
	return rows
}

// BenchmarkBuildZone is the CPU part of applying any change to a zone of
// 100,000 records: the whole zone is built again from its rows.
func BenchmarkBuildZone(b *testing.B) {
	rows := bigZoneRows(100000)
	b.ResetTimer()
	for b.Loop() {
		if z := buildZone("big.example.", rows, nil); z.records != len(rows) {
			b.Fatalf("%d records built of %d", z.records, len(rows))
		}
	}
}

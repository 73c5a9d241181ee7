package sqlzone

import (
	"fmt"
	"runtime"
	"testing"
	"time"

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

// BenchmarkChangeOneRecord is the CPU part of applying a one-record change
// (with the SOA serial bumped, as PowerDNS's API does) to a zone of 200,000
// and of 1,000,000 records, both ways side by side: the zone rebuilt from its
// rows, and the change patched in (patch.go). The patch reports how many
// times faster than the rebuild it was, in the same run.
func BenchmarkChangeOneRecord(b *testing.B) {
	for _, n := range []int{200000, 1000000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) { changeOneRecord(b, n) })
	}
}

func changeOneRecord(b *testing.B, n int) {
	rows := bigZoneRows(n)
	built := buildZone("big.example.", rows, nil)
	soa, host := rows[0], rows[len(rows)/2]
	soa.Content = "ns1.example.net hostmaster.example.net 2 7200 3600 1209600 300"
	host.Content = "10.99.99.99"
	changed := []sqlstore.Row{soa, host}
	ids := []int64{soa.ID, host.ID}
	indexBytes := heapOf(func() any {
		copied := make(rowIndex, len(built.index))
		for id, rr := range built.index {
			copied[id] = rr // the records are the zone's: only the map is the index's cost
		}
		return copied
	})

	var rebuild time.Duration
	b.Run("rebuild", func(b *testing.B) {
		for b.Loop() {
			if z := buildZone("big.example.", rows, nil); z.zone == nil {
				b.Fatal("no zone")
			}
		}
		rebuild = b.Elapsed() / time.Duration(b.N)
	})
	b.Run("patch", func(b *testing.B) {
		for b.Loop() {
			if _, ok := patchZone(built.zone, 0, built.index, ids, changed); !ok {
				b.Fatal("not patched")
			}
		}
		b.ReportMetric(float64(indexBytes)/float64(len(rows)), "index-B/record")
		if patch := b.Elapsed() / time.Duration(b.N); patch > 0 && rebuild > 0 {
			b.ReportMetric(float64(rebuild)/float64(patch), "x-faster-than-rebuild")
		}
	})
}

// heapOf reports how many bytes of live heap the value newValue returns holds.
func heapOf(newValue func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := newValue()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return after.HeapAlloc - before.HeapAlloc
}

package sqlzone

import (
	"fmt"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// manyZoneRows are the rows of n small zones of a provider: each its own
// owner names, all the same name servers and mail exchanger.
func manyZoneRows(n int) [][]sqlstore.Row {
	out := make([][]sqlstore.Row, n)
	for i := range out {
		z := fmt.Sprintf("customer%d.example", i)
		out[i] = []sqlstore.Row{
			{ID: 1, Name: z, Type: "SOA", Content: "ns1.provider.net hostmaster.provider.net 1 7200 3600 1209600 300", TTL: 3600},
			{ID: 2, Name: z, Type: "NS", Content: "ns1.provider.net", TTL: 3600},
			{ID: 3, Name: z, Type: "NS", Content: "ns2.provider.net", TTL: 3600},
			{ID: 4, Name: z, Type: "MX", Content: "mx.provider.net", Prio: 10, TTL: 3600},
			{ID: 5, Name: "www." + z, Type: "A", Content: "192.0.2.1", TTL: 3600},
			{ID: 6, Name: "www." + z, Type: "AAAA", Content: "2001:db8::1", TTL: 3600},
		}
	}
	return out
}

// BenchmarkLoadManyZones is the CPU and the memory kept of building 10,000
// small zones as a full load does, names shared: what interning is for.
func BenchmarkLoadManyZones(b *testing.B) {
	zones := manyZoneRows(10000)
	load := func() any {
		out := make([]built, len(zones))
		for i, rows := range zones {
			out[i] = buildLoaded(fmt.Sprintf("customer%d.example.", i), rows)
		}
		return out
	}
	kept := heapOf(load)
	b.ResetTimer()
	for b.Loop() {
		load()
	}
	b.ReportMetric(float64(kept)/float64(6*len(zones)), "kept-B/record")
}

var benchShared = Names{}

// buildLoaded builds a zone as a full load does.
func buildLoaded(name string, rows []sqlstore.Row) built { return buildZone(name, rows, benchShared) }

package sqlzone

import (
	"bytes"
	"fmt"
	golog "log"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/miekg/dns"
)

func TestBadRowLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	golog.SetOutput(&buf)
	defer golog.SetOutput(os.Stderr)
	rows := []sqlstore.Row{
		{ID: 1, Name: "once.example", Type: "SOA", Content: "ns1.example.net hostmaster.example.net 1 7200 3600 1209600 300", TTL: 300},
		{ID: 2, Name: "www.once.example", Type: "A", Content: "not-an-address", TTL: 300},
	}
	for i := 0; i < 3; i++ {
		if b := buildZone("once.example.", rows, nil); b.zone == nil || b.bad != 1 {
			t.Fatalf("build %d: %+v", i, b)
		}
	}
	rows[1].Content = "also-not-an-address" // a different bad row is logged
	buildZone("once.example.", rows, nil)
	if n := strings.Count(buf.String(), "skipping record 2"); n != 2 {
		t.Errorf("bad row logged %d times over 4 builds with 2 different contents, want 2:\n%s", n, buf.String())
	}
}

const soaRow = "ns1.example.net hostmaster.example.net 1 7200 3600 1209600 300"

// TestEqualRowsServedOnce: an RRset is a set, so equal rows (TTL aside) make
// one record, the lowest id's, whatever order the rows come in.
func TestEqualRowsServedOnce(t *testing.T) {
	rows := []sqlstore.Row{
		{ID: 9, Name: "www.set.example", Type: "A", Content: "192.0.2.1", TTL: 300},
		{ID: 1, Name: "set.example", Type: "SOA", Content: soaRow, TTL: 300},
		{ID: 2, Name: "set.example", Type: "NS", Content: "ns1.example.net", TTL: 300},
		{ID: 3, Name: "set.example", Type: "NS", Content: "NS1.example.net.", TTL: 300},
		{ID: 4, Name: "www.set.example", Type: "A", Content: "192.0.2.1", TTL: 600},
		{ID: 5, Name: "www.set.example", Type: "A", Content: "192.0.2.2", TTL: 300},
		{ID: 6, Name: "txt.set.example", Type: "TXT", Content: "abc", TTL: 300},
		{ID: 7, Name: "txt.set.example", Type: "TXT", Content: `"abc"`, TTL: 300},
	}
	b := buildZone("set.example.", rows, nil)
	if b.zone == nil || b.records != 5 || b.dups != 3 || b.bad != 0 {
		t.Fatalf("got %d records, %d equal rows, %d bad; want 5, 3, 0", b.records, b.dups, b.bad)
	}
	got := dumpZone(b.zone)
	for _, want := range []string{"www.set.example.\t600\tIN\tA\t192.0.2.1", "txt.set.example.\t300\tIN\tTXT\t\"abc\"\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("zone lacks %q:\n%s", want, got)
		}
	}
	if len(b.zone.RRset("set.example.", dns.TypeNS)) != 1 || strings.Count(got, "IN\tA\t192.0.2.1") != 1 {
		t.Errorf("equal rows served more than once:\n%s", got)
	}
}

// TestEqualRowsPatch: in a big zone, deleting one of two equal rows keeps
// the record, by patch or by rebuild, and a patch adding a row equal to a
// served record leaves it to a rebuild.
func TestEqualRowsPatch(t *testing.T) {
	rows := []sqlstore.Row{{ID: 1, Name: "big.example", Type: "SOA", Content: soaRow, TTL: 300}}
	for i := range patchMinRecords {
		rows = append(rows, sqlstore.Row{ID: int64(i + 2), Name: fmt.Sprintf("h%d.big.example", i), Type: "A", Content: "192.0.2.1", TTL: 300})
	}
	b := buildZone("big.example.", rows, nil)
	dup := sqlstore.Row{ID: 5000, Name: "h7.big.example", Type: "A", Content: "192.0.2.1", TTL: 60}
	if _, ok := patchZone(b.zone, 0, b.index, []int64{dup.ID}, []sqlstore.Row{dup}); ok {
		t.Fatal("patchZone added a record equal to one served")
	}
	b = buildZone("big.example.", append(rows, dup), nil)
	if b.index == nil || b.dups != 1 {
		t.Fatalf("zone with an equal row: index %v, dups %d; want an index, 1", b.index != nil, b.dups)
	}
	const h7 = "h7.big.example.\t300\tIN\tA\t192.0.2.1"
	// Row 9 (h7) is served and held by row 5000 too: its change is rebuilt.
	if _, ok := patchZone(b.zone, 0, b.index, []int64{9}, nil); ok {
		t.Error("patchZone deleted a record that another row holds")
	}
	if z := buildZone("big.example.", append(slices.Delete(slices.Clone(rows), 8, 9), dup), nil).zone; !strings.Contains(dumpZone(z), "h7.big.example.\t60\tIN\tA\t192.0.2.1") {
		t.Errorf("record gone with one of its two rows:\n%s", dumpZone(z))
	}
	// Two equal new rows in one batch: one record, the lower id's, shared.
	pair := []sqlstore.Row{
		{ID: 6001, Name: "pair.big.example", Type: "TXT", Content: "x", TTL: 60},
		{ID: 6000, Name: "pair.big.example", Type: "TXT", Content: `"x"`, TTL: 30},
	}
	p2, ok := patchZone(b.zone, 0, b.index, []int64{6000, 6001}, pair)
	if _, isShared := p2.added[6000].(shared); !ok || !isShared || p2.added[6001] != nil ||
		strings.Count(dumpZone(p2.zone), "pair.big.example.\t30\tIN\tTXT\t\"x\"") != 1 || strings.Contains(dumpZone(p2.zone), "\t60\tIN\tTXT") {
		t.Errorf("two equal new rows: patched %t, added %v, zone:\n%s", ok, p2.added, dumpZone(p2.zone))
	}
	// Row 5000 serves nothing of its own: deleting it patches, and h7 stays.
	p, ok := patchZone(b.zone, 0, b.index, []int64{dup.ID}, nil)
	if !ok || !strings.Contains(dumpZone(p.zone), h7) {
		t.Errorf("deleting the equal row: patched %t, zone:\n%s", ok, dumpZone(p.zone))
	}
}

// TestCNAMEConflict: a CNAME beside other data, or at the apex, is logged
// once and counted at each build.
func TestCNAMEConflict(t *testing.T) {
	var buf bytes.Buffer
	golog.SetOutput(&buf)
	defer golog.SetOutput(os.Stderr)
	rows := []sqlstore.Row{
		{ID: 1, Name: "cn.example", Type: "SOA", Content: soaRow, TTL: 300},
		{ID: 2, Name: "both.cn.example", Type: "A", Content: "192.0.2.1", TTL: 300},
		{ID: 3, Name: "both.cn.example", Type: "CNAME", Content: "x.example.net", TTL: 300},
		{ID: 4, Name: "cn.example", Type: "CNAME", Content: "x.example.net", TTL: 300},
		{ID: 5, Name: "alone.cn.example", Type: "CNAME", Content: "x.example.net", TTL: 300},
		{ID: 6, Name: "txt.cn.example", Type: "TXT", Content: "a", TTL: 300},
		{ID: 7, Name: "txt.cn.example", Type: "AAAA", Content: "2001:db8::1", TTL: 300},
	}
	n := 0
	for range 2 {
		b := Build("cn.example.", rows, nil)
		if b.Zone == nil {
			t.Fatal("zone not built")
		}
		n += b.Conflicts
	}
	if n != 4 {
		t.Errorf("%d conflicts counted over two builds, want 4", n)
	}
	for _, name := range []string{"both.cn.example.", "at cn.example."} {
		if n := strings.Count(buf.String(), "CNAME beside other data at "+strings.TrimPrefix(name, "at ")); n != 1 {
			t.Errorf("conflict at %s logged %d times, want 1:\n%s", name, n, buf.String())
		}
	}
	if strings.Contains(buf.String(), "alone.") || strings.Contains(buf.String(), "txt.") {
		t.Errorf("conflict logged where there is none:\n%s", buf.String())
	}
}

// TestPatchMovesIndex: the zone a patch returns serves the change and can be
// patched again; the zone patched from is left as it was and cannot be.
func TestPatchMovesIndex(t *testing.T) {
	rows := []sqlstore.Row{{ID: 1, Name: "big.example", Type: "SOA", Content: soaRow, TTL: 300}}
	for i := range patchMinRecords {
		rows = append(rows, sqlstore.Row{ID: int64(i + 2), Name: fmt.Sprintf("h%d.big.example", i), Type: "A", Content: "192.0.2.1", TTL: 300})
	}
	b := Build("big.example.", rows, nil)
	touch := &sqlstore.Touch{Records: map[int64]struct{}{5: {}}}
	if b.Zone == nil || !b.Zone.Patchable(touch) || b.Zone.Patchable(&sqlstore.Touch{Whole: true}) {
		t.Fatalf("zone %v: not patchable as it should be", b.Zone)
	}
	changed := rows[4]
	changed.Content = "192.0.2.99"
	p, ok := Patch(b.Zone, 0, []int64{5}, []sqlstore.Row{changed})
	if !ok {
		t.Fatal("a one-row change not patched")
	}
	z := p.Zone()
	if !strings.Contains(dumpZone(z.Served()), "192.0.2.99") || z.Records() != b.Zone.Records() || !z.SameSerial(b.Zone) {
		t.Errorf("patched zone: %d records, want %d:\n%s", z.Records(), b.Zone.Records(), dumpZone(z.Served()))
	}
	if strings.Contains(dumpZone(b.Zone.Served()), "192.0.2.99") {
		t.Error("the zone patched from changed")
	}
	if _, ok := Patch(b.Zone, 0, []int64{6}, nil); ok {
		t.Error("the zone patched from was patched again: its index is the new zone's")
	}
	if p, ok := Patch(z, 0, []int64{6}, nil); !ok || p.Zone().Records() != z.Records()-1 {
		t.Error("deleting a row from the patched zone not patched")
	}
}

package secondaryfeed_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

func parseZone(t testing.TB, origin, text string) []dns.RR {
	t.Helper()
	var rrs []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return rrs
}

func texts(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.String()
	}
	return out
}

func version(n int, extra string) string {
	return fmt.Sprintf("@ 3600 IN SOA ns1 hostmaster %d 7200 3600 1209600 300\n@ 3600 IN NS ns1\nwww 300 IN A 192.0.2.1\n%s", n, extra)
}

// TestRedisNodesAgree: two stores on one Redis are two nodes. Publishing the same
// content from both at once makes one version, the same serial on both, record for record.
func TestRedisNodesAgree(t *testing.T) {
	r := harness.NewRedis(t)
	ctx := context.Background()
	a := journal.NewRedis(r.Client, r.Prefix, journal.Options{})
	b := journal.NewRedis(r.Client, r.Prefix, journal.Options{})
	a.Publish(ctx, "example.org.", parseZone(t, "example.org.", version(10, "")))

	for round := range 20 {
		content := parseZone(t, "example.org.", version(10, fmt.Sprintf("r%d 300 IN A 192.0.2.%d\n", round, round)))
		var wg sync.WaitGroup
		got := make([]*journal.Version, 2)
		changed := make([]bool, 2)
		for i, s := range []journal.Store{a, b} {
			wg.Go(func() {
				v, c, err := s.Publish(ctx, "example.org.", content)
				if err != nil {
					t.Errorf("round %d node %d: %v", round, i, err)
				}
				got[i], changed[i] = v, c
			})
		}
		wg.Wait()
		if got[0] == nil || got[1] == nil {
			t.FailNow()
		}
		if changed[0] == changed[1] {
			t.Errorf("round %d: changed %v on both nodes, want one publish", round, changed)
		}
		if want := uint32(11 + round); got[0].Serial != want || got[1].Serial != want {
			t.Errorf("round %d: serials %d and %d, want %d", round, got[0].Serial, got[1].Serial, want)
		}
		if !slices.Equal(texts(got[0].RRs), texts(got[1].RRs)) {
			t.Errorf("round %d: versions differ:\n%v\n%v", round, texts(got[0].RRs), texts(got[1].RRs))
		}
	}
	// The journal holds one entry per round: from 11 on, each round changed r(n-1) to r(n).
	del, add, ok, err := b.Since(ctx, "example.org.", 11)
	if err != nil || !ok {
		t.Fatalf("Since(11): %v %v", ok, err)
	}
	if want := []string{"r0.example.org.\t300\tIN\tA\t192.0.2.0"}; !slices.Equal(texts(del[1:]), want) {
		t.Errorf("Since(11) deletions %v, want %v", texts(del), want)
	}
	if want := []string{"r19.example.org.\t300\tIN\tA\t192.0.2.19"}; !slices.Equal(texts(add[1:]), want) {
		t.Errorf("Since(11) additions %v, want %v", texts(add), want)
	}
	if add[0].(*dns.SOA).Serial != 30 || del[0].(*dns.SOA).Serial != 11 {
		t.Errorf("Since(11) SOAs %v / %v", del[0], add[0])
	}
}

// TestRedisRestartAndBounds: a new store (a restarted node) sees the versions and
// the journal; the journal keeps at most Options.Versions differences.
func TestRedisRestartAndBounds(t *testing.T) {
	r := harness.NewRedis(t)
	ctx := context.Background()
	a := journal.NewRedis(r.Client, r.Prefix, journal.Options{Versions: 3})
	for i := 1; i <= 6; i++ {
		if _, _, err := a.Publish(ctx, "example.org.", parseZone(t, "example.org.", version(i, fmt.Sprintf("n%d 300 IN A 192.0.2.1\n", i)))); err != nil {
			t.Fatal(err)
		}
	}
	b := journal.NewRedis(r.Client, r.Prefix, journal.Options{Versions: 3})
	v, err := b.Current(ctx, "example.org.")
	if err != nil || v == nil || v.Serial != 6 {
		t.Fatalf("Current after restart: %v %v", v, err)
	}
	for serial, want := range map[uint32]bool{1: false, 2: false, 3: true, 5: true, 6: true, 99: false} {
		if _, _, ok, err := b.Since(ctx, "example.org.", serial); ok != want || err != nil {
			t.Errorf("Since(%d) ok %v err %v, want ok %v", serial, ok, err, want)
		}
	}
	if n, err := b.Bytes(ctx, "example.org."); err != nil || n == 0 {
		t.Errorf("Bytes: %d %v", n, err)
	}
	if err := b.Forget(ctx, "example.org."); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Current(ctx, "example.org."); v != nil || err != nil {
		t.Errorf("Current after Forget: %v %v", v, err)
	}
	if _, _, ok, _ := a.Since(ctx, "example.org.", 5); ok {
		t.Error("Since after Forget ok")
	}
}

// TestRedisCorruptVersion: a version key that does not decode is an error, not an
// empty zone, and Publish does not overwrite it blindly.
func TestRedisCorruptVersion(t *testing.T) {
	r := harness.NewRedis(t)
	ctx := context.Background()
	s := journal.NewRedis(r.Client, r.Prefix, journal.Options{})
	r.Client.Set(ctx, r.Prefix+"zone:example.org.:version", "12\nnot a record\n", 0)
	if v, err := s.Current(ctx, "example.org."); err == nil {
		t.Errorf("Current of a corrupt version: %v, no error", v)
	}
	if _, _, err := s.Publish(ctx, "example.org.", parseZone(t, "example.org.", version(1, ""))); err == nil {
		t.Error("Publish over a corrupt version: no error")
	}
}

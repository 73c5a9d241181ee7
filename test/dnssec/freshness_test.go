package dnssec_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// freshnessChanges and freshnessDeadline: how many key changes are timed,
// and how long one may take to be served before the test fails.
const (
	freshnessChanges  = 20
	freshnessDeadline = 5 * time.Second
	changeSpread      = 250 * time.Millisecond // more than sqlbackend's default poll, 200 ms
)

// TestKeyChangeFreshness times how long a key change committed to
// cryptokeys takes to show in the DNSKEY set hostdns serves (sqlbackend's
// key trigger, its poll, the zone's keys re-read): a pre-published ZSK
// (inactive) is unpublished and published again, freshnessChanges times, by
// SQL as pdnsutil publish-zone-key and unpublish-zone-key write it. Each
// change, made at a random moment, is timed from just before the UPDATE (autocommit) to the first
// answer of a tight loop of UDP queries that reflects it; the distribution
// is logged, and the test fails only when a change is not served within
// freshnessDeadline.
func TestKeyChangeFreshness(t *testing.T) {
	f := newFixture(t, signings[0])
	id := f.pdu.AddZoneKey(t, origin, "zsk", "inactive", "published", dns.ECDSAP256SHA256)
	tag := keyTag(t, f, id)
	addr := hostdns.start(t, f)
	harness.Eventually(t, keyChangeLimit, "the pre-published ZSK in the served DNSKEY set", func() bool {
		return slices.Contains(udpKeyTags(t, addr), tag)
	})
	var took []time.Duration
	for i := 0; i < freshnessChanges; i++ {
		published := i%2 == 1 // unpublished first: it is published now
		// A change made as soon as the last one showed would come right
		// after a poll, every time, and take a whole poll interval: a
		// random pause spreads the changes over the poll's phase, as
		// changes made by operators are.
		time.Sleep(rand.N(changeSpread))
		start := time.Now()
		if _, err := f.db.DB.Exec(`UPDATE cryptokeys SET published = ? WHERE id = ?`, published, id); err != nil {
			t.Fatal(err)
		}
		for slices.Contains(udpKeyTags(t, addr), tag) != published {
			if time.Since(start) > freshnessDeadline {
				t.Fatalf("change %d (published=%v) not served within %v", i, published, freshnessDeadline)
			}
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("%d key changes, commit to served DNSKEY set: p50 %v, p90 %v, max %v (min %v)",
		len(took), percentile(took, 0.5), percentile(took, 0.9), took[len(took)-1], took[0])
}

// udpKeyTags asks the authority at addr for the zone's DNSKEY set over UDP,
// without DO (the keys alone fit), and returns the key tags.
func udpKeyTags(t testing.TB, addr string) []uint16 {
	t.Helper()
	var tags []uint16
	for _, rr := range harness.Exchange(t, addr, harness.WithEDNS(harness.Query(origin, dns.TypeDNSKEY), 1232, false), "udp").Answer {
		if k, ok := rr.(*dns.DNSKEY); ok {
			tags = append(tags, k.KeyTag())
		}
	}
	return tags
}

// percentile returns the nearest-rank p-th percentile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[int(math.Ceil(p*float64(len(sorted))))-1]
}

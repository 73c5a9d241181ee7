package sqlsecondary

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestBadPrimaryKeepsLastGoodCopy: whatever a primary does wrong after a
// good transfer, nothing is written, the failure is counted by its reason,
// and the zone stays at its last good serial.
func TestBadPrimaryKeepsLastGoodCopy(t *testing.T) {
	many := zoneText(2, "192.0.2.2")
	for i := range 40 {
		many += fmt.Sprintf("t%d 300 IN TXT %q\n", i, strings.Repeat("x", 200))
	}
	for _, tc := range []struct {
		name         string
		tune         func(*config)
		spoil        func(p *testPrimary)
		kind, reason string
	}{
		{"refused", nil, func(p *testPrimary) { p.set(zoneText(2, "192.0.2.2")); p.setMode("refuse") }, kindSOA, reasonRefused},
		{"notauth", nil, func(p *testPrimary) { p.set(zoneText(2, "192.0.2.2")); p.setMode("notauth") }, kindSOA, reasonNotAuth},
		{"trickle", func(c *config) { c.idle = 300 * time.Millisecond }, func(p *testPrimary) { p.set(zoneText(2, "192.0.2.2")); p.setMode("silent") }, kindAXFR, reasonTimeout},
		{"out of zone", nil, func(p *testPrimary) {
			rr, _ := dns.NewRR("www.example.com. 300 IN A 192.0.2.66")
			p.setExtra(rr)
			p.set(zoneText(2, "192.0.2.2"))
		}, kindIXFR, reasonOutOfZone},
		{"max_records", func(c *config) { c.maxRecords = 20 }, func(p *testPrimary) { p.set(many) }, kindIXFR, reasonTooLarge},
		{"max_bytes", func(c *config) { c.maxBytes = 4000 }, func(p *testPrimary) { p.set(many) }, kindIXFR, reasonTooLarge},
		{"serial backwards", nil, func(p *testPrimary) { p.set(zoneText(0, "192.0.2.2")) }, kindSOA, reasonSerialBackwards},
		{"malformed", nil, func(p *testPrimary) { p.set(zoneText(2, "192.0.2.2")); p.setMode("malformed") }, kindIXFR, reasonMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := newDB(t)
			db := openStore(t, path).DB
			p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
			id := addSlave(t, db, "example.org", p.addr)
			s := startSecondary(t, path, "a", tc.tune)
			eventually(t, "serial 1 stored", func() bool { return storedSerial(t, db, zoneName, id) == 1 })
			good := storedRows(t, db, id)
			before := testutil.ToFloat64(transfers.WithLabelValues(tc.kind, tc.reason))

			tc.spoil(p)
			s.checkNow(id)
			eventually(t, "the check failing", func() bool {
				_, failing, _ := zoneState(s, id)
				return failing
			})
			if got := testutil.ToFloat64(transfers.WithLabelValues(tc.kind, tc.reason)); got <= before {
				_, _, msg := zoneState(s, id)
				t.Errorf("no %s %s counted; the error: %s", tc.kind, tc.reason, msg)
			}
			if got := storedRows(t, db, id); strings.Join(got, "\n") != strings.Join(good, "\n") {
				t.Errorf("rows changed:\n%s", strings.Join(got, "\n"))
			}
			if s.expiredZone("www.example.org.", time.Now()) {
				t.Error("zone expired after one failure")
			}
		})
	}
}

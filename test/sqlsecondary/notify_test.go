package sqlsecondary

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// TestNotifyIXFRBothNodes: a primary (BIND, then Knot) with both nodes as NOTIFY targets
// changes the zone; its own NOTIFY makes the nodes check at once (the SOA refresh is an
// hour), the change is pulled by IXFR (the primary's log says IXFR, and no AXFR after
// the first sync), and both serve the new serial and the changed data.
func TestNotifyIXFRBothNodes(t *testing.T) {
	for _, kind := range []harness.PrimaryKind{harness.PrimaryBIND, harness.PrimaryKnot} {
		t.Run(string(kind), func(t *testing.T) {
			db := newMariaDB(t)
			pa, pb := harness.FreePort(t), harness.FreePort(t)
			primary := harness.StartPrimary(t, kind, map[string]string{exampleZone: zoneText(exampleZone, 1, "3600 600 1209600", 50)},
				harness.PrimaryOptions{NotifyTo: []string{fmt.Sprintf("127.0.0.1:%d", pa), fmt.Sprintf("127.0.0.1:%d", pb)}})
			a, b := startNode(t, db, "node-a", pa), startNode(t, db, "node-b", pb)
			id := db.addSlave(t, exampleZone, primary.Addr)
			for _, n := range []*node{a, b} {
				waitSerial(t, n.addr, exampleZone, 1)
			}
			axfrs := primary.OutgoingTransfers(exampleZone, "AXFR")

			for serial := uint32(2); serial <= 3; serial++ {
				primary.SetZone(t, exampleZone, zoneText(exampleZone, serial, "3600 600 1209600", 50))
				for _, n := range []*node{a, b} {
					waitSerial(t, n.addr, exampleZone, serial)
					harness.AssertResponse(t, harness.Exchange(t, n.addr, harness.Query("txt.example.org.", dns.TypeTXT), "udp"), harness.Response{
						Authoritative: true,
						Answer:        []string{fmt.Sprintf(`txt.example.org. 300 IN TXT "serial %d"`, serial)},
						Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
					})
				}
				// The primary logs to a pipe: its line may come after its answer.
				harness.Eventually(t, 5*time.Second, fmt.Sprintf("the primary logging IXFR number %d", serial-1), func() bool {
					return primary.OutgoingTransfers(exampleZone, "IXFR") >= int(serial)-1
				})
			}
			if got := primary.OutgoingTransfers(exampleZone, "AXFR"); got != axfrs {
				t.Errorf("the primary logged %d AXFRs after the first sync's %d: a change was pulled whole", got, axfrs)
			}
			if n := db.records(t, id); n != 58 {
				t.Errorf("after two IXFRs domain %d has %d rows, want 58", id, n)
			}
			if n := db.count(t, `SELECT COUNT(*) FROM records WHERE domain_id = ? AND type = 'SOA' AND content LIKE '% 3 3600 600 1209600 300'`, id); n != 1 {
				t.Errorf("%d SOA rows of serial 3, want 1", n)
			}
		})
	}
}

// TestNotifyFromNonMaster: a NOTIFY for a SLAVE zone from one of its masters' addresses
// is answered NOERROR with AA (RFC 1996); from any other address it is REFUSED and
// triggers nothing: the zone stays at its serial although the primary has a newer one.
func TestNotifyFromNonMaster(t *testing.T) {
	db := newMariaDB(t)
	primary := harness.StartPrimary(t, harness.PrimaryBIND,
		map[string]string{exampleZone: zoneText(exampleZone, 1, "3600 600 1209600", 2)}, harness.PrimaryOptions{})
	n := startNode(t, db, "node-a", 0)
	db.addSlave(t, exampleZone, primary.Addr)
	waitSerial(t, n.addr, exampleZone, 1)

	primary.SetZone(t, exampleZone, zoneText(exampleZone, 2, "3600 600 1209600", 2))
	refused := harness.MetricSumWhere(t, "coredns_sqlsecondary_notifies_total", map[string]string{"result": "refused"})
	r := notifyFrom(t, "127.0.0.2", n.addr, exampleZone)
	if r.Rcode != dns.RcodeRefused || r.Opcode != dns.OpcodeNotify || !r.Response {
		t.Errorf("NOTIFY from 127.0.0.2 (not a master): rcode %s opcode %s, want REFUSED to the NOTIFY", dns.RcodeToString[r.Rcode], dns.OpcodeToString[r.Opcode])
	}
	if got := harness.MetricSumWhere(t, "coredns_sqlsecondary_notifies_total", map[string]string{"result": "refused"}) - refused; got != 1 {
		t.Errorf("notifies_total{result=refused} went up by %.0f, want 1", got)
	}
	// The zone stays at serial 1: the refused NOTIFY set nothing off (the SOA refresh is an
	// hour); the master's NOTIFY, sent next, shows the node pulls serial 2 at once then.
	waitSerial(t, n.addr, exampleZone, 1)
	r = notifyFrom(t, "127.0.0.1", n.addr, exampleZone)
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative || r.Opcode != dns.OpcodeNotify {
		t.Errorf("NOTIFY from the master: rcode %s aa %v opcode %s, want NOERROR, AA", dns.RcodeToString[r.Rcode], r.Authoritative, dns.OpcodeToString[r.Opcode])
	}
	waitSerial(t, n.addr, exampleZone, 2)
}

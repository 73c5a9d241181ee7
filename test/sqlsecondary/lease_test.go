package sqlsecondary

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// TestLeaseHolderKilledMidTransfer: two coredns processes share a MariaDB; the primary
// trickles the first AXFR of a 20,003-record zone. Whichever node holds the zone's lease
// (hostdns_secondary_leases) is killed (SIGKILL) halfway through: its open transaction
// rolls back, so the database holds none of the zone's rows, and once the lease expires
// (lease 2s) the other node transfers the whole zone and serves it. Never were two
// transfers running at once.
func TestLeaseHolderKilledMidTransfer(t *testing.T) {
	const records = 20000
	db := newMariaDB(t)
	primary := startTricklePrimary(t, exampleZone, records)
	procs := map[string]*harness.Process{}
	addrs := map[string]string{}
	for _, name := range []string{"node-a", "node-b"} {
		port := harness.FreePort(t)
		procs[name] = harness.StartBinary(t, db.nodeCorefile(port, name))
		addrs[name] = fmt.Sprintf("127.0.0.1:%d", port)
	}
	id := db.addSlave(t, exampleZone, primary.addr)

	select {
	case <-primary.started:
	case <-time.After(waitLimit):
		t.Fatal("no transfer reached the primary")
	}
	var holder string
	harness.Eventually(t, waitLimit, "the transfer's lease in hostdns_secondary_leases", func() bool {
		err := db.DB.QueryRow(`SELECT holder FROM hostdns_secondary_leases WHERE domain_id = ?`, id).Scan(&holder)
		return err == nil && procs[holder] != nil
	})
	procs[holder].Cmd.Process.Kill()
	<-procs[holder].Done()
	if n := db.records(t, id); n != 0 {
		t.Errorf("the killed node left %d rows of the zone half-written", n)
	}

	survivor := "node-a"
	if holder == survivor {
		survivor = "node-b"
	}
	waitSerial(t, addrs[survivor], exampleZone, 5)
	if n := db.records(t, id); n != records+3 {
		t.Errorf("after the takeover the zone has %d rows, want %d", n, records+3)
	}
	last := fmt.Sprintf("host%d.example.org.", records-1)
	harness.AssertResponse(t, harness.Exchange(t, addrs[survivor], harness.Query(last, dns.TypeTXT), "tcp"), harness.Response{
		Authoritative: true,
		Answer:        []string{fmt.Sprintf(`%s 300 IN TXT "record %d of a zone big enough to take a while"`, last, records-1)},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
	})
	transfers, completed, maxActive := primary.stats()
	if completed != 1 || maxActive != 1 {
		t.Errorf("primary: %d transfers, %d completed, at most %d at once; want 1 completed, never 2 at once", transfers, completed, maxActive)
	}
	var h string
	if err := db.DB.QueryRow(`SELECT holder FROM hostdns_secondary_leases WHERE domain_id = ?`, id).Scan(&h); err == nil && h == holder {
		t.Errorf("the lease still names the killed node %s", holder)
	}
}

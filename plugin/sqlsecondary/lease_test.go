package sqlsecondary

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestLease: one holder at a time; renewal by the holder only; an expired
// lease is taken over, and the old holder's write is then refused.
func TestLease(t *testing.T) {
	ctx := context.Background()
	store := openStore(t, newDB(t))
	a := lease{db: db{store}, holder: "a", length: 10 * time.Second}
	b := lease{db: db{store}, holder: "b", length: 10 * time.Second}
	if err := a.ensureTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.ensureTable(ctx); err != nil {
		t.Fatalf("second ensureTable: %v", err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	must := func(ok bool, err error) bool {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !must(a.acquire(ctx, 1, t0)) {
		t.Fatal("a could not take a free lease")
	}
	if must(b.acquire(ctx, 1, t0.Add(time.Second))) {
		t.Fatal("b took a's lease")
	}
	if !must(a.acquire(ctx, 1, t0.Add(2*time.Second))) {
		t.Fatal("a could not take its own lease again")
	}
	if must(b.renew(ctx, 1, t0.Add(3*time.Second))) {
		t.Fatal("b renewed a's lease")
	}
	if !must(a.renew(ctx, 1, t0.Add(3*time.Second))) {
		t.Fatal("a could not renew")
	}
	if must(b.acquire(ctx, 1, t0.Add(12*time.Second))) {
		t.Fatal("b took the lease before its renewed expiry")
	}
	if !must(b.acquire(ctx, 1, t0.Add(14*time.Second))) {
		t.Fatal("b could not take the expired lease")
	}
	tx, err := store.DB.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.confirm(ctx, tx, 1, t0.Add(15*time.Second)); reasonOf(err) != reasonLeaseLost {
		t.Errorf("a confirmed a lease b holds: %v", err)
	}
	tx.Rollback()
	if err := a.release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if must(a.acquire(ctx, 1, t0.Add(15*time.Second))) {
		t.Fatal("a's release freed b's lease")
	}
	if err := b.release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if !must(a.acquire(ctx, 1, t0.Add(16*time.Second))) {
		t.Fatal("a could not take the released lease")
	}
}

// TestLeaseContention: two plugin instances on one SQLite file: while one
// transfers the zone the other finds the lease held, and the zone is
// transferred and written once.
func TestLeaseContention(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	gate := make(chan struct{})
	p.mu.Lock()
	p.gate = gate
	p.mu.Unlock()
	held := testutil.ToFloat64(leases.WithLabelValues("held_elsewhere"))

	a := startSecondary(t, path, "node-a", nil)
	b := startSecondary(t, path, "node-b", nil)
	eventually(t, "both ready", func() bool { return a.Ready() && b.Ready() })
	id := addSlave(t, db, "example.org", p.addr)
	<-p.started
	var holder string
	if err := db.QueryRow(`SELECT holder FROM hostdns_secondary_leases WHERE domain_id = ?`, id).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	if holder != "node-a" && holder != "node-b" {
		t.Fatalf("lease holder %q", holder)
	}
	eventually(t, "the other node finding the lease held", func() bool {
		return testutil.ToFloat64(leases.WithLabelValues("held_elsewhere")) > held
	})
	close(gate)
	eventually(t, "serial 1 stored", func() bool { return storedSerial(t, db, zoneName, id) == 1 })
	if n := p.count(dns.TypeAXFR); n != 1 {
		t.Errorf("%d AXFRs, want 1", n)
	}
	if n := len(storedRows(t, db, id)); n != 7 {
		t.Errorf("%d rows, want 7", n)
	}
	eventually(t, "the lease released", func() bool {
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM hostdns_secondary_leases`).Scan(&n)
		return n == 0
	})
}

// TestDeadHolderTakenOver: the lease of a node that died mid-transfer (its
// row left behind) is taken over once it expires.
func TestDeadHolderTakenOver(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	exec(t, db, leaseTable)
	id := addSlave(t, db, "example.org", p.addr)
	exec(t, db, `INSERT INTO hostdns_secondary_leases (domain_id, holder, expires) VALUES (?, 'dead-node', ?)`, id, time.Now().Add(time.Second).UnixMilli())

	held := testutil.ToFloat64(leases.WithLabelValues("held_elsewhere"))
	startSecondary(t, path, "heir", nil)
	eventually(t, "serial 1 stored by the heir", func() bool { return storedSerial(t, db, zoneName, id) == 1 })
	if testutil.ToFloat64(leases.WithLabelValues("held_elsewhere")) == held {
		t.Error("the heir never found the dead node's lease held")
	}
}

// TestLeaseRenewedAndLost: the lease is renewed while a transfer runs; when
// another node takes it over, the transfer is abandoned and nothing written.
func TestLeaseRenewedAndLost(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	gate := make(chan struct{})
	p.mu.Lock()
	p.gate = gate
	p.mu.Unlock()
	t.Cleanup(func() { close(gate) })
	id := addSlave(t, db, "example.org", p.addr)
	s := startSecondary(t, path, "a", func(c *config) { c.lease = time.Second })
	<-p.started
	expires := func() int64 {
		var e int64
		db.QueryRow(`SELECT expires FROM hostdns_secondary_leases WHERE domain_id = ?`, id).Scan(&e)
		return e
	}
	first := expires()
	eventually(t, "the lease renewed", func() bool { return expires() > first })

	lost := testutil.ToFloat64(leases.WithLabelValues("lost"))
	exec(t, db, `UPDATE hostdns_secondary_leases SET holder = 'thief' WHERE domain_id = ?`, id)
	eventually(t, "the transfer abandoned", func() bool {
		_, failing, msg := zoneState(s, id)
		return failing && strings.Contains(msg, "lease")
	})
	if testutil.ToFloat64(leases.WithLabelValues("lost")) != lost+1 {
		t.Error("lost lease not counted")
	}
	if n := storedSerial(t, db, zoneName, id); n != 0 {
		t.Errorf("serial %d stored without the lease", n)
	}
}

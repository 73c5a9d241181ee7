package sqlsecondary

import (
	"strings"
	"testing"

	"github.com/coredns/caddy"
	"go.uber.org/goleak"
)

// TestStopMidTransfer: stopping the plugin (a reload or shutdown) while a
// transfer is under way ends it, writes nothing, gives the lease back, and
// leaves no goroutine or connection behind.
func TestStopMidTransfer(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })

	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	gate := make(chan struct{})
	p.mu.Lock()
	p.gate = gate
	p.mu.Unlock()
	t.Cleanup(func() { close(gate) }) // runs before the primary's shutdown

	id := addSlave(t, db, "example.org", p.addr)
	cfg := defaults()
	cfg.dialect, cfg.dsn, cfg.node, cfg.poll = "sqlite", path, "a", 50e6
	store := openStore(t, path)
	s := newSecondary(cfg, store)
	s.start()
	<-p.started
	s.stop()

	if n := storedSerial(t, db, zoneName, id); n != 0 {
		t.Errorf("serial %d stored by a stopped transfer", n)
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM hostdns_secondary_leases`).Scan(&n)
	if n != 0 {
		t.Errorf("%d leases left after stop", n)
	}
}

// TestSetup: the Corefile block makes the plugin; a bad one fails setup.
func TestSetup(t *testing.T) {
	c := caddy.NewTestController("dns", "sqlsecondary {\n driver sqlite\n dsn "+newDB(t)+"\n}")
	if err := setup(c); err != nil {
		t.Fatal(err)
	}
	c = caddy.NewTestController("dns", "sqlsecondary {\n driver sqlite\n}")
	if err := setup(c); err == nil {
		t.Fatal("setup without dsn succeeded")
	}
	for _, tc := range []struct{ corefile, want, secret string }{
		{"sqlsecondary {\n driver mysql\n dsn \"user:s3cret@tcp(db:3306)\"\n}", "invalid DSN", "s3cret"},
		{"sqlsecondary {\n driver postgres\n dsn \"postgres://u:s3cret@db:99999/x\"\n}", "not a valid PostgreSQL connection string", "s3cret"},
	} {
		err := setup(caddy.NewTestController("dns", tc.corefile))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.secret) {
			t.Errorf("%q: %v", tc.corefile, err)
		}
	}
}

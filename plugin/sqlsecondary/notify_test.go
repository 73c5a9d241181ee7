package sqlsecondary

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func notifyMsg(zone string) *dns.Msg {
	m := new(dns.Msg)
	m.SetNotify(zone)
	return m
}

// TestNotify: a NOTIFY from the zone's primary is acknowledged with AA and
// brings the new serial; from another address it is refused and counted;
// for a zone that is not a SLAVE row it goes down the chain.
func TestNotify(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	id := addSlave(t, db, "example.org", p.addr)
	s := startSecondary(t, path, "a", nil)
	addr := serve(t, s)
	eventually(t, "serial 1 stored", func() bool { return storedSerial(t, db, zoneName, id) == 1 })

	p.set(zoneText(2, "192.0.2.2"))
	in := ask(t, addr, "127.0.0.1", notifyMsg(zoneName))
	if in.Rcode != dns.RcodeSuccess || !in.Authoritative || in.Opcode != dns.OpcodeNotify || len(in.Question) != 1 {
		t.Fatalf("NOTIFY from the primary answered %s", in)
	}
	eventually(t, "serial 2 stored after the NOTIFY", func() bool { return storedSerial(t, db, zoneName, id) == 2 })

	refused := testutil.ToFloat64(notifies.WithLabelValues("refused"))
	soaChecks := p.count(dns.TypeSOA)
	in = ask(t, addr, "127.0.0.2", notifyMsg(zoneName))
	if in.Rcode != dns.RcodeRefused || in.Authoritative {
		t.Fatalf("NOTIFY from a stranger answered %s", in)
	}
	if got := testutil.ToFloat64(notifies.WithLabelValues("refused")); got != refused+1 {
		t.Errorf("refused NOTIFYs counted %v, want 1", got-refused)
	}
	if p.count(dns.TypeSOA) != soaChecks {
		t.Error("a stranger's NOTIFY made a check")
	}

	in = ask(t, addr, "127.0.0.1", notifyMsg("other.example."))
	if !in.RecursionAvailable || in.Rcode != dns.RcodeSuccess {
		t.Errorf("NOTIFY for another zone not passed down the chain: %s", in)
	}
}

// TestExpire: past last_check + expire the zone is answered SERVFAIL, names
// below its apex too, until a transfer succeeds; other zones are untouched.
func TestExpire(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	id := addSlave(t, db, "example.org", p.addr)
	s := startSecondary(t, path, "a", nil)
	addr := serve(t, s)
	eventually(t, "serial 1 stored", func() bool { return storedSerial(t, db, zoneName, id) == 1 })

	q := new(dns.Msg)
	q.SetQuestion("www.example.org.", dns.TypeA)
	if in := ask(t, addr, "127.0.0.1", q); in.Rcode != dns.RcodeSuccess || !in.RecursionAvailable {
		t.Fatalf("fresh zone: %s", in)
	}

	p.setMode("refuse")
	later := time.Now().Add(86400*time.Second + time.Hour) // past the SOA's expire
	s.skew.Store(int64(time.Until(later)))
	eventually(t, "expired", func() bool { return s.expiredZone(zoneName, later) })

	for _, name := range []string{"www.example.org.", "example.org.", "deep.below.example.org."} {
		q.SetQuestion(name, dns.TypeA)
		if in := ask(t, addr, "127.0.0.1", q); in.Rcode != dns.RcodeServerFailure {
			t.Errorf("%s in the expired zone: %s", name, dns.RcodeToString[in.Rcode])
		}
	}
	q.SetQuestion("www.example.com.", dns.TypeA)
	if in := ask(t, addr, "127.0.0.1", q); in.Rcode != dns.RcodeSuccess {
		t.Errorf("another zone: %s", dns.RcodeToString[in.Rcode])
	}
	s.mu.Lock()
	s.gauge(later)
	s.mu.Unlock()
	if n := testutil.ToFloat64(expiredGauge); n != 1 {
		t.Errorf("expired_zones %v, want 1", n)
	}

	p.setMode("")
	p.set(zoneText(2, "192.0.2.2"))
	s.checkNow(id)
	eventually(t, "served again after a transfer", func() bool { return !s.expiredZone(zoneName, later) })
	q.SetQuestion("www.example.org.", dns.TypeA)
	if in := ask(t, addr, "127.0.0.1", q); in.Rcode != dns.RcodeSuccess {
		t.Errorf("after the transfer: %s", dns.RcodeToString[in.Rcode])
	}
}

// TestAutosecondary: with autosecondary, a NOTIFY for an unknown zone from a
// supermasters ip creates the SLAVE row (master that ip, the account of the
// row) and pulls the zone; without it the NOTIFY goes down the chain.
func TestAutosecondary(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(7, "192.0.2.1"))
	exec(t, db, `INSERT INTO supermasters (ip, nameserver, account) VALUES ('127.0.0.1', 'ns1.example.org', 'customer-1')`)

	off := startSecondary(t, path, "off", nil)
	offAddr := serve(t, off)
	eventually(t, "ready", off.Ready)
	if in := ask(t, offAddr, "127.0.0.1", notifyMsg(zoneName)); !in.RecursionAvailable {
		t.Errorf("autosecondary off: NOTIFY not passed down: %s", in)
	}

	s := startSecondary(t, path, "on", func(c *config) { c.autosecondary = true })
	_, port, _ := net.SplitHostPort(p.addr)
	s.autoPort = port
	addr := serve(t, s)
	eventually(t, "supermasters read", func() bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		_, ok := s.supers["127.0.0.1"]
		return ok
	})
	if in := ask(t, addr, "127.0.0.2", notifyMsg(zoneName)); !in.RecursionAvailable {
		t.Errorf("NOTIFY from a non-supermaster not passed down: %s", in)
	}
	var n int
	if db.QueryRow(`SELECT COUNT(*) FROM domains`).Scan(&n); n != 0 {
		t.Fatalf("NOTIFY from a non-supermaster created %d rows", n)
	}
	in := ask(t, addr, "127.0.0.1", notifyMsg(zoneName))
	if in.Rcode != dns.RcodeSuccess || !in.Authoritative {
		t.Fatalf("supermaster's NOTIFY answered %s", in)
	}
	var id int64
	var master, account, typ string
	if err := db.QueryRow(`SELECT id, master, account, type FROM domains WHERE name = 'example.org'`).Scan(&id, &master, &account, &typ); err != nil {
		t.Fatal(err)
	}
	if master != p.addr || account != "customer-1" || typ != "SLAVE" {
		t.Errorf("row: master %q account %q type %q", master, account, typ)
	}
	eventually(t, "the new zone pulled", func() bool { return storedSerial(t, db, zoneName, id) == 7 })
}

// TestAutosecondaryNeedsNS: as PowerDNS, a supermaster's NOTIFY creates a zone only when the
// primary lists the supermasters row's nameserver among the zone's NS records: the address
// alone vouches for nothing.
func TestAutosecondaryNeedsNS(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(7, "192.0.2.1")) // NS ns1.example.org.
	exec(t, db, `INSERT INTO supermasters (ip, nameserver, account) VALUES ('127.0.0.1', 'ns9.example.org', 'customer-1')`)
	s := startSecondary(t, path, "on", func(c *config) { c.autosecondary = true })
	_, port, _ := net.SplitHostPort(p.addr)
	s.autoPort = port
	addr := serve(t, s)
	eventually(t, "supermasters read", func() bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return len(s.supers["127.0.0.1"]) == 1
	})
	if in := ask(t, addr, "127.0.0.1", notifyMsg(zoneName)); in.Rcode != dns.RcodeRefused {
		t.Errorf("NOTIFY from a supermaster whose nameserver is not among the zone's NS: %s, want REFUSED", dns.RcodeToString[in.Rcode])
	}
	var n int
	if db.QueryRow(`SELECT COUNT(*) FROM domains`).Scan(&n); n != 0 {
		t.Errorf("the NOTIFY created %d rows", n)
	}

	exec(t, db, `INSERT INTO supermasters (ip, nameserver, account) VALUES ('127.0.0.1', 'NS1.example.org.', 'customer-2')`)
	eventually(t, "both supermasters rows read", func() bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return len(s.supers["127.0.0.1"]) == 2
	})
	if in := ask(t, addr, "127.0.0.1", notifyMsg(zoneName)); in.Rcode != dns.RcodeSuccess || !in.Authoritative {
		t.Fatalf("NOTIFY once a row names ns1.example.org: %s", in)
	}
	var account string
	if err := db.QueryRow(`SELECT account FROM domains WHERE name = 'example.org'`).Scan(&account); err != nil || account != "customer-2" {
		t.Errorf("created with account %q (%v), want the vouching row's customer-2", account, err)
	}
}

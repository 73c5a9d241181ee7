package sqlsecondary

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkAXFRAndWrite1500: one AXFR of a 1,500-record zone from a primary
// on loopback and its write into SQLite, the work of a new SLAVE row.
func BenchmarkAXFRAndWrite1500(b *testing.B) {
	ctx := context.Background()
	path := newDB(b)
	store := openStore(b, path)
	text := zoneText(1, "192.0.2.1")
	for i := range 1500 {
		text += fmt.Sprintf("h%d 300 IN A 10.0.%d.%d\n", i, i/256, i%256)
	}
	p := newPrimary(b, zoneName, text)
	res, err := store.DB.Exec(`INSERT INTO domains (name, master, type) VALUES ('example.org', ?, 'SLAVE')`, p.addr)
	if err != nil {
		b.Fatal(err)
	}
	id, _ := res.LastInsertId()
	cfg := defaults()
	s := newSecondary(cfg, store)
	if err := s.lease.ensureTable(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if ok, err := s.lease.acquire(ctx, id, s.now()); !ok || err != nil {
			b.Fatal(ok, err)
		}
		pulled, err := s.client.axfr(ctx, p.addr, zoneName, nil)
		if err != nil {
			b.Fatal(err)
		}
		pulled.soa.Serial = uint32(i + 2) // newer than the stored copy each time
		if err := s.write(ctx, id, zoneName, pulled, s.now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueryPath10k: the cost this plugin adds to a query that is not
// a NOTIFY, with 10,000 secondary zones known.
func BenchmarkQueryPath10k(b *testing.B) {
	s := newSecondary(defaults(), nil)
	for i := range 10000 {
		name := fmt.Sprintf("zone%d.example.", i)
		z := &zone{id: int64(i), name: name}
		s.zones[z.id], s.byName[name] = z, z
	}
	names := s.byName
	s.names.Store(&names)
	now := s.now()
	b.ResetTimer()
	for i := range b.N {
		if s.expiredZone(fmt.Sprintf("www.zone%d.example.", i%10000), now) {
			b.Fatal("expired")
		}
	}
}

// BenchmarkReadRows10k: one poll with 10,000 SLAVE zones, when nothing
// changed (the cost every `poll` on every node while idle) and when the
// rows must be read (after any change in the database).
func BenchmarkReadRows10k(b *testing.B) {
	ctx := context.Background()
	store := openStore(b, newDB(b))
	tx, err := store.DB.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i := range 10000 {
		res, err := tx.Exec(`INSERT INTO domains (name, master, type, last_check) VALUES (?, '192.0.2.1', 'SLAVE', 1700000000)`, fmt.Sprintf("zone%d.example", i))
		if err != nil {
			b.Fatal(err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.Exec(`INSERT INTO records (domain_id, name, type, content, ttl) VALUES (?, ?, 'SOA', 'ns. h. 1 3600 600 86400 60', 60)`, id, fmt.Sprintf("zone%d.example", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	s := newSecondary(defaults(), store)
	s.readRows(ctx)
	if len(s.zones) != 10000 {
		b.Fatalf("%d zones", len(s.zones))
	}
	b.Run("idle", func(b *testing.B) {
		for range b.N {
			s.readRows(ctx)
		}
	})
	b.Run("full", func(b *testing.B) {
		for range b.N {
			s.mark = -1
			s.readRows(ctx)
		}
	})
}

package journal

import (
	"context"
	"testing"
)

const base = "www 300 IN A 192.0.2.1\n@ 3600 IN NS ns1\nmail 300 IN A 192.0.2.25\n"

func TestPublishSerialAndOrder(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Options{})
	v, changed, err := m.Publish(ctx, "Example.org", zone(t, base+soaLine("100")+"www 300 IN A 192.0.2.1\n"))
	if err != nil || !changed || v.Serial != 100 {
		t.Fatalf("first Publish: %v %v %v", v, changed, err)
	}
	same(t, "first version", v.RRs, []string{
		"example.org.\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 100 7200 3600 1209600 300",
		"example.org.\t3600\tIN\tNS\tns1.example.org.",
		"mail.example.org.\t300\tIN\tA\t192.0.2.25",
		"www.example.org.\t300\tIN\tA\t192.0.2.1",
	})

	// The same content with another source serial changes nothing.
	v2, changed, err := m.Publish(ctx, "example.org.", zone(t, soaLine("90")+base))
	if err != nil || changed || v2 != v {
		t.Fatalf("same content: %v %v %v", v2, changed, err)
	}
	// New content at a source serial not ahead: previous + 1.
	v3, changed, _ := m.Publish(ctx, "example.org.", zone(t, soaLine("100")+base+"new 300 IN A 192.0.2.9\n"))
	if !changed || v3.Serial != 101 || v3.SOA().Serial != 101 {
		t.Fatalf("new content at the same source serial: %v %v", v3, changed)
	}
	// Source ahead: the source's serial.
	v4, _, _ := m.Publish(ctx, "example.org.", zone(t, soaLine("2026120600")+base))
	if v4.Serial != 2026120600 {
		t.Fatalf("source ahead: serial %d", v4.Serial)
	}
	// A change of the SOA alone (its refresh) is a change.
	v5, changed, _ := m.Publish(ctx, "example.org.", zone(t, "@ 3600 IN SOA ns1 hostmaster 2026120600 9999 3600 1209600 300\n"+base))
	if !changed || v5.Serial != 2026120601 {
		t.Fatalf("SOA timer change: %v %v", v5, changed)
	}
	if cur, _ := m.Current(ctx, "EXAMPLE.ORG."); cur != v5 {
		t.Errorf("Current = %v, want %v", cur, v5)
	}
}

func TestPublishBadContent(t *testing.T) {
	m := NewMemory(Options{})
	ctx := context.Background()
	if _, _, err := m.Publish(ctx, "example.org.", zone(t, base)); err != ErrNoSOA {
		t.Errorf("no SOA: err %v", err)
	}
	if _, _, err := m.Publish(ctx, "example.org.", zone(t, soaLine("1")+soaLine("2")+base)); err != ErrNoSOA {
		t.Errorf("two SOAs: err %v", err)
	}
	if v, _ := m.Current(ctx, "example.org."); v != nil {
		t.Errorf("bad content published: %v", v)
	}
}

func TestSinceCondensed(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Options{})
	m.Publish(ctx, "example.org.", zone(t, soaLine("1")+base))
	// 1 -> 2: www moves, x added; 2 -> 3: www moves back, y added; 3 -> 4: x removed.
	m.Publish(ctx, "example.org.", zone(t, soaLine("2")+"@ 3600 IN NS ns1\nmail 300 IN A 192.0.2.25\nwww 300 IN A 192.0.2.2\nx 300 IN A 192.0.2.3\n"))
	m.Publish(ctx, "example.org.", zone(t, soaLine("3")+base+"x 300 IN A 192.0.2.3\ny 300 IN TXT \"y\"\n"))
	m.Publish(ctx, "example.org.", zone(t, soaLine("4")+base+"y 300 IN TXT \"y\"\n"))

	del, add, ok, err := m.Since(ctx, "example.org.", 1)
	if err != nil || !ok {
		t.Fatalf("Since(1): ok %v err %v", ok, err)
	}
	same(t, "Since(1) deletions", del, []string{"example.org.\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300"})
	same(t, "Since(1) additions", add, []string{
		"example.org.\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 4 7200 3600 1209600 300",
		"y.example.org.\t300\tIN\tTXT\t\"y\"",
	})
	del, add, _, _ = m.Since(ctx, "example.org.", 3)
	same(t, "Since(3) deletions", del, []string{
		"example.org.\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 3 7200 3600 1209600 300",
		"x.example.org.\t300\tIN\tA\t192.0.2.3",
	})
	same(t, "Since(3) additions", add, []string{"example.org.\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 4 7200 3600 1209600 300"})

	if del, add, ok, _ := m.Since(ctx, "example.org.", 4); !ok || del != nil || add != nil {
		t.Errorf("Since(current) = %v %v %v, want nothing, ok", del, add, ok)
	}
	if _, _, ok, _ := m.Since(ctx, "example.org.", 77); ok {
		t.Errorf("Since(unknown serial) ok")
	}
	if _, _, ok, _ := m.Since(ctx, "other.org.", 1); ok {
		t.Errorf("Since on an unknown zone ok")
	}
}

func TestJournalBounds(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Options{Versions: 2})
	for i := 1; i <= 4; i++ {
		m.Publish(ctx, "example.org.", zone(t, soaLine(itoa(i))+base+"n"+itoa(i)+" 300 IN A 192.0.2.1\n"))
	}
	for serial, want := range map[uint32]bool{1: false, 2: true, 3: true, 4: true} {
		if _, _, ok, _ := m.Since(ctx, "example.org.", serial); ok != want {
			t.Errorf("Versions 2: Since(%d) ok %v, want %v", serial, ok, want)
		}
	}

	small := NewMemory(Options{Bytes: 1})
	small.Publish(ctx, "example.org.", zone(t, soaLine("1")+base))
	small.Publish(ctx, "example.org.", zone(t, soaLine("2")+base+"z 300 IN A 192.0.2.1\n"))
	if _, _, ok, _ := small.Since(ctx, "example.org.", 1); ok {
		t.Error("Bytes 1: the journal still reaches back")
	}
	if n, _ := small.Bytes(ctx, "example.org."); n != 0 {
		t.Errorf("Bytes 1: journal holds %d bytes", n)
	}
	if n, _ := m.Bytes(ctx, "example.org."); n == 0 {
		t.Error("Versions 2: journal empty")
	}
	m.Forget(ctx, "example.org.")
	if v, _ := m.Current(ctx, "example.org."); v != nil {
		t.Errorf("after Forget: %v", v)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

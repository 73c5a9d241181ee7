package chainlookup

import (
	"testing"
	"time"
)

func TestMemo(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	m := NewMemo[string](time.Second, 2)
	k := MemoKey{Name: "a.example.", Qtype: 1}
	if _, ok := m.Get(k, now); ok {
		t.Fatal("empty memo returned a value")
	}
	m.Set(k, "x", now, time.Hour)
	if v, ok := m.Get(k, now.Add(999*time.Millisecond)); !ok || v != "x" {
		t.Errorf("within the window: %q %v", v, ok)
	}
	if _, ok := m.Get(k, now.Add(time.Second)); ok {
		t.Error("value outlived the window")
	}
	// A shorter TTL wins; a zero TTL is not remembered.
	m.Set(k, "y", now, 100*time.Millisecond)
	if _, ok := m.Get(k, now.Add(100*time.Millisecond)); ok {
		t.Error("value outlived its TTL")
	}
	k0 := MemoKey{Name: "zero.example.", Qtype: 1}
	m.Set(k0, "z", now, 0)
	if _, ok := m.Get(k0, now); ok {
		t.Error("TTL 0 remembered")
	}
	// The DO bit and the type are part of the key.
	if _, ok := m.Get(MemoKey{Name: "a.example.", Qtype: 1, Do: true}, now); ok {
		t.Error("DO query got the non-DO value")
	}
	// Capacity holds.
	for i, n := range []string{"b.", "c.", "d.", "e."} {
		m.Set(MemoKey{Name: n}, n, now.Add(time.Duration(i)*time.Millisecond), time.Hour)
	}
	if n := m.Len(); n > 2 {
		t.Errorf("%d entries, capacity 2", n)
	}
	// nil remembers nothing and does not panic.
	var nm *Memo[string]
	nm.Set(k, "x", now, time.Hour)
	if _, ok := nm.Get(k, now); ok || nm.Len() != 0 || NewMemo[string](0, 10) != nil {
		t.Error("nil or disabled memo remembered")
	}
}

package sqlstore

import (
	"reflect"
	"testing"
	"time"
)

func TestCursorOutOfOrderCommit(t *testing.T) {
	now := time.Unix(1000, 0)
	c := NewCursor(10, 5*time.Second)
	// 11 is still in an open transaction; 12 and 13 committed.
	got := ids(c.Apply([]Change{{ID: 12, DomainID: 1}, {ID: 13, DomainID: 2}, {ID: 14, DomainID: 1}}, now))
	if !reflect.DeepEqual(got, []int64{12, 13, 14}) {
		t.Fatalf("got %v, want [12 13 14]", got)
	}
	if c.Pos != 10 || c.Waiting() != 1 {
		t.Fatalf("pos %d waiting %d, want 10 and 1", c.Pos, c.Waiting())
	}
	// The next poll sees 11 committed late, and the others again.
	got = ids(c.Apply([]Change{{ID: 11, DomainID: 3}, {ID: 12, DomainID: 1}, {ID: 13, DomainID: 2}, {ID: 14, DomainID: 1}}, now.Add(time.Second)))
	if !reflect.DeepEqual(got, []int64{11}) {
		t.Fatalf("got %v, want [11]", got)
	}
	if c.Pos != 14 || c.Waiting() != 0 {
		t.Fatalf("pos %d waiting %d, want 14 and 0", c.Pos, c.Waiting())
	}
}

func TestCursorGivesUpRolledBackIDs(t *testing.T) {
	now := time.Unix(1000, 0)
	c := NewCursor(0, 5*time.Second)
	c.Apply([]Change{{ID: 2, DomainID: 1}}, now)
	if c.Pos != 0 {
		t.Fatalf("pos %d, want 0 while 1 may still commit", c.Pos)
	}
	c.Apply([]Change{{ID: 2, DomainID: 1}}, now.Add(4*time.Second))
	if c.Pos != 0 {
		t.Fatalf("pos %d, want 0 before the gap timeout", c.Pos)
	}
	if got := c.Apply(nil, now.Add(6*time.Second)); len(got) != 0 || c.Pos != 2 {
		t.Fatalf("got %v pos %d, want nothing new and pos 2", got, c.Pos)
	}
}

func ids(cs []Change) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

package sqlstore

// Touch is what the change log says of one domain since it was last applied:
// some of its records changed (Records, by id), or the domain as a whole
// (Whole: its domains row changed, or a change named no record). The feed
// gathers them, the zone set patches or rebuilds by them, the snapshot copies
// by them.
type Touch struct {
	Whole   bool
	Records map[int64]struct{}
}

// Add notes what ch says of t's domain.
func (t *Touch) Add(ch Change) {
	if ch.RecordID == 0 {
		t.Whole = true
		return
	}
	if t.Records == nil {
		t.Records = map[int64]struct{}{}
	}
	t.Records[ch.RecordID] = struct{}{}
}

// Merge adds what u says to t.
func (t *Touch) Merge(u *Touch) {
	if u.Whole {
		t.Whole = true
	}
	for rid := range u.Records {
		t.Add(Change{RecordID: rid})
	}
}

// IDs lists the records t names.
func (t *Touch) IDs() []int64 {
	ids := make([]int64, 0, len(t.Records))
	for rid := range t.Records {
		ids = append(ids, rid)
	}
	return ids
}

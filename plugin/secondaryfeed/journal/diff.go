package journal

import (
	"slices"

	"github.com/miekg/dns"
)

// entry is the difference between two successive versions: Del starts with the old
// SOA, Add with the new one, the rest of each in canonical order.
type entry struct {
	From, To uint32
	Del, Add []dns.RR
}

// size is the entry's wire size, what Options.Bytes bounds.
func (e *entry) size() int {
	n := 0
	for _, rr := range e.Del {
		n += dns.Len(rr)
	}
	for _, rr := range e.Add {
		n += dns.Len(rr)
	}
	return n
}

// diff returns the entry from old to new, walking both sorted record lists once.
func diff(old, new *Version) entry {
	e := entry{From: old.Serial, To: new.Serial, Del: []dns.RR{old.RRs[0]}, Add: []dns.RR{new.RRs[0]}}
	i, j := 0, 0
	for i < len(old.keys) || j < len(new.keys) {
		switch {
		case j == len(new.keys) || i < len(old.keys) && old.keys[i] < new.keys[j]:
			e.Del = append(e.Del, old.RRs[i+1])
			i++
		case i == len(old.keys) || new.keys[j] < old.keys[i]:
			e.Add = append(e.Add, new.RRs[j+1])
			j++
		default:
			i, j = i+1, j+1
		}
	}
	return e
}

// chain returns the entries leading from serial to the end of entries, or false when
// no entry starts at serial.
func chain(entries []entry, serial uint32) ([]entry, bool) {
	for i := range entries {
		if entries[i].From == serial {
			return entries[i:], true
		}
	}
	return nil, false
}

// condense merges successive entries into one difference (RFC 1995 3): a record
// deleted and added again, or added and deleted again, is in neither list.
func condense(entries []entry) (del, add []dns.RR) {
	dels, adds := map[string]dns.RR{}, map[string]dns.RR{}
	for _, e := range entries {
		for _, rr := range e.Del[1:] {
			k := rr.String()
			if _, ok := adds[k]; ok {
				delete(adds, k)
			} else {
				dels[k] = rr
			}
		}
		for _, rr := range e.Add[1:] {
			k := rr.String()
			if _, ok := dels[k]; ok {
				delete(dels, k)
			} else {
				adds[k] = rr
			}
		}
	}
	del = append([]dns.RR{entries[0].Del[0]}, sorted(dels)...)
	add = append([]dns.RR{entries[len(entries)-1].Add[0]}, sorted(adds)...)
	return del, add
}

func sorted(m map[string]dns.RR) []dns.RR {
	out := make([]dns.RR, 0, len(m))
	for _, rr := range m {
		out = append(out, rr)
	}
	slices.SortFunc(out, Compare)
	return out
}

// trim drops the oldest entries until at most opt.Versions remain and their sizes, in
// sizes (one per entry), add up to at most opt.Bytes. It returns how many to drop.
func trim(sizes []int, opt Options) int {
	total := 0
	for _, s := range sizes {
		total += s
	}
	drop := 0
	for drop < len(sizes) && (len(sizes)-drop > opt.Versions || total > opt.Bytes) {
		total -= sizes[drop]
		drop++
	}
	return drop
}

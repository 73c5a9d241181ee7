package inspect

import (
	"cmp"
	"slices"
)

// sortEntries orders a top list: highest count first, then the higher guaranteed count (the
// smaller error), then by key so equal counts list the same way every time.
func sortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Count-b.Error, a.Count-a.Error); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
}

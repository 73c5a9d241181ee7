package inspect

// summary is one Space-Saving summary (Metwally, Agrawal, El Abbadi 2005): at most capacity
// counters. A key not yet counted takes the slot of the smallest counter when all are in use,
// inheriting its count as the new key's error. So every count is high by at most its error,
// Count-Error is a guaranteed lower bound, and any key with more than total/capacity
// occurrences is in the summary. The smallest counter is found with a min-heap of slots; the
// map finds a key's slot. Nothing grows past capacity, so memory is fixed.
//
// Why Space-Saving: its error is deterministic and reported per key (Count-Error is a lower
// bound dynamic rules can act on without false positives), summaries of buckets merge
// (Agarwal et al. 2012) so a sliding window is buckets merged at query time, and it needs no
// dependency. A Count-Min sketch only overestimates, needs a heap of candidates anyway, and
// its error is probabilistic.
type summary[K comparable] struct {
	capacity int
	index    map[K]int32 // key -> slot
	slots    []slot[K]
	heap     []int32 // slot numbers, smallest count first
	total    uint64  // every weight added, counted or not

	// own, when set, copies a key before it is kept, so a kept sub-string does not pin the
	// whole string it was cut from.
	own func(K) K
}

type slot[K comparable] struct {
	key   K
	count uint64
	err   uint64
	pos   int32 // the slot's place in heap
}

func newSummary[K comparable](capacity int, own func(K) K) *summary[K] {
	return &summary[K]{capacity: capacity, index: make(map[K]int32), own: own}
}

// add counts key w times.
func (s *summary[K]) add(key K, w uint64) {
	s.total += w
	if n, ok := s.index[key]; ok {
		s.slots[n].count += w
		s.down(int(s.slots[n].pos))
		return
	}
	if s.own != nil {
		key = s.own(key)
	}
	if len(s.slots) < s.capacity {
		n := int32(len(s.slots))
		s.slots = append(s.slots, slot[K]{key: key, count: w, pos: int32(len(s.heap))})
		s.heap = append(s.heap, n)
		s.index[key] = n
		s.up(len(s.heap) - 1)
		return
	}
	n := s.heap[0]
	least := s.slots[n].count
	delete(s.index, s.slots[n].key)
	s.slots[n] = slot[K]{key: key, count: least + w, err: least, pos: 0}
	s.index[key] = n
	s.down(0)
}

// full reports whether every slot is in use: then a key missing from the summary may have
// occurred up to floor() times.
func (s *summary[K]) full() bool { return len(s.slots) >= s.capacity }

// floor is the smallest count, the most a key not in a full summary can have occurred.
func (s *summary[K]) floor() uint64 {
	if len(s.heap) == 0 {
		return 0
	}
	return s.slots[s.heap[0]].count
}

// reset empties the summary, keeping its memory for the next bucket.
func (s *summary[K]) reset() {
	clear(s.index)
	clear(s.slots) // drop the keys' strings
	s.slots = s.slots[:0]
	s.heap = s.heap[:0]
	s.total = 0
}

func (s *summary[K]) less(a, b int) bool {
	return s.slots[s.heap[a]].count < s.slots[s.heap[b]].count
}

func (s *summary[K]) swap(a, b int) {
	s.heap[a], s.heap[b] = s.heap[b], s.heap[a]
	s.slots[s.heap[a]].pos = int32(a)
	s.slots[s.heap[b]].pos = int32(b)
}

func (s *summary[K]) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			return
		}
		s.swap(i, parent)
		i = parent
	}
}

func (s *summary[K]) down(i int) {
	n := len(s.heap)
	for {
		least := i
		if l := 2*i + 1; l < n && s.less(l, least) {
			least = l
		}
		if r := 2*i + 2; r < n && s.less(r, least) {
			least = r
		}
		if least == i {
			return
		}
		s.swap(i, least)
		i = least
	}
}

package answercache

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
)

// An entry in a ring, 8-byte aligned:
//
//	0  u32 total length (padding included)   4  kind   5  rcode   6  stamps   7  0
//	8  u16 key length   10 u16 answer length  12 u32 0
//	16 u64 hash         24 i64 expiry (coarse clock nanos)
//	32 stamps (u32 dep, u64 epoch) ...  key  answer  padding
//
// A pad record (kind kindPad, header bytes 0-7 only) fills the end of a lap that the next
// entry does not fit in.
const (
	hdrSize   = 32
	stampSize = 12
	kindEntry = 1
	kindPad   = 2
)

var le = binary.LittleEndian

// shard is one lock's worth of the store: an index from key hash to the entry's absolute
// position, and a byte ring the entries are appended to, the oldest overwritten first.
// Neither holds a pointer per entry, so the collector never scans them.
type shard struct {
	mu   sync.Mutex
	idx  map[uint64]uint64
	ring []byte // allocated at the first store
	size uint64 // length of ring, a multiple of 8
	head uint64 // absolute position the next entry is written at
	tail uint64 // absolute position of the oldest entry still in the ring

	door     []uint64 // doorkeeper bits; nil when admission is off
	doorMask uint64
	doorSet  int

	live    atomic.Int64 // bytes of indexed entries
	entries atomic.Int64
}

func newShard(size uint64, admission bool) *shard {
	s := &shard{idx: make(map[uint64]uint64), size: size}
	if admission {
		// 1 bit per 8 bytes of ring (16 per entry of a typical 128-byte answer), a power
		// of two: a window of about 2,700 names per 256KiB of ring.
		n := uint64(1) << (bits.Len64(size/8) - 1)
		if n < 4096 {
			n = 4096
		}
		s.door = make([]uint64, n/64)
		s.doorMask = n - 1
	}
	return s
}

// result of a lookup.
type result uint8

const (
	resHit     result = iota
	resAdmit          // not held (or expired): store the answer
	resReject         // not held, first sighting: do not store yet
	resStale          // held but a dependency changed: dropped, store the new answer
	resCollide        // another key with the same hash: treat as a miss, do not store
)

// entryMeta is what a hit tells besides the answer bytes.
type entryMeta struct {
	rcode   int
	n       int
	stamps  [answerdeps.MaxStamps]answerdeps.Stamp
	expiry  int64
	evicted int // by the hit's second chance
}

// get copies the answer held for key into dst (sized for the largest entry) and returns
// its length. door says whether a miss counts as a sighting for admission.
func (s *shard) get(h uint64, key []byte, now int64, dst []byte, meta *entryMeta, door bool) (int, result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pos, ok := s.idx[h]
	if !ok {
		if !door || s.door == nil || s.admit(h) {
			return 0, resAdmit
		}
		return 0, resReject
	}
	e := s.ring[pos%s.size:]
	klen, alen, n := int(le.Uint16(e[8:])), int(le.Uint16(e[10:])), int(e[6])
	ko := hdrSize + n*stampSize
	if le.Uint64(e[16:]) != h || klen != len(key) || string(e[ko:ko+klen]) != string(key) {
		return 0, resCollide
	}
	if int64(le.Uint64(e[24:])) <= now {
		s.drop(h, pos)
		return 0, resAdmit
	}
	meta.n, meta.rcode, meta.expiry = n, int(e[5]), int64(le.Uint64(e[24:]))
	for i := 0; i < n; i++ {
		st := e[hdrSize+i*stampSize:]
		meta.stamps[i] = answerdeps.Stamp{Dep: answerdeps.Dep(le.Uint32(st)), Epoch: le.Uint64(st[4:])}
		if !meta.stamps[i].Current() {
			s.drop(h, pos)
			return 0, resStale
		}
	}
	n = copy(dst, e[ko+klen:ko+klen+alen])
	meta.evicted = 0
	if s.head-pos > s.size/2 {
		// Second chance: a hit in the older half of the ring is written again at the
		// head, so an answer asked at least once per half lap outlives any number of
		// laps of one-off answers; each is rewritten at most once per half lap.
		meta.evicted = s.putLocked(h, key, dst[:n], meta.rcode, meta.stamps[:meta.n], meta.expiry)
	}
	return n, resHit
}

// admit is the doorkeeper, a small Bloom filter (3 bits per hash): the first sighting of
// a hash only sets its bits, the second is admitted. When a quarter of the bits are set
// they are all cleared: the window is the last few thousand distinct names of this shard,
// and a one-off name passes as a second sighting by chance at most 1/64 of the time
// (1/256 on average over the window), so a flood of random names stores almost nothing.
func (s *shard) admit(h uint64) bool {
	b := [3]uint64{h & s.doorMask, (h >> 20) & s.doorMask, (h >> 40) & s.doorMask}
	seen := true
	for _, i := range b {
		if s.door[i>>6]&(1<<(i&63)) == 0 {
			seen = false
			s.door[i>>6] |= 1 << (i & 63)
			s.doorSet++
		}
	}
	if uint64(s.doorSet) >= (s.doorMask+1)/4 {
		clear(s.door)
		s.doorSet = 0
	}
	return seen
}

// drop removes the index entry of h at pos; its bytes stay until the ring overwrites them.
func (s *shard) drop(h, pos uint64) {
	delete(s.idx, h)
	s.live.Add(-int64(le.Uint32(s.ring[pos%s.size:])))
	s.entries.Add(-1)
}

// put stores an answer and returns how many entries the ring overwrote to make room.
func (s *shard) put(h uint64, key, answer []byte, rcode int, stamps []answerdeps.Stamp, expiry int64) (evicted int) {
	total := uint64(hdrSize + len(stamps)*stampSize + len(key) + len(answer))
	total = (total + 7) &^ 7
	if total > s.size/4 || len(key) > 0xffff || len(answer) > 0xffff {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putLocked(h, key, answer, rcode, stamps, expiry)
}

func (s *shard) putLocked(h uint64, key, answer []byte, rcode int, stamps []answerdeps.Stamp, expiry int64) (evicted int) {
	total := (uint64(hdrSize+len(stamps)*stampSize+len(key)+len(answer)) + 7) &^ 7
	if s.ring == nil {
		s.ring = make([]byte, s.size)
	}
	if pos, ok := s.idx[h]; ok {
		s.drop(h, pos)
	}
	off := s.head % s.size
	pad := uint64(0)
	if s.size-off < total {
		pad = s.size - off
	}
	for end := s.head + pad + total; end-s.tail > s.size; {
		evicted += s.evictTail()
	}
	if pad > 0 {
		le.PutUint32(s.ring[off:], uint32(pad))
		s.ring[off+4] = kindPad
		s.head += pad
		off = 0
	}
	e := s.ring[off : off+total]
	le.PutUint32(e, uint32(total))
	e[4], e[5], e[6], e[7] = kindEntry, byte(rcode), byte(len(stamps)), 0
	le.PutUint16(e[8:], uint16(len(key)))
	le.PutUint16(e[10:], uint16(len(answer)))
	le.PutUint64(e[16:], h)
	le.PutUint64(e[24:], uint64(expiry))
	for i, st := range stamps {
		le.PutUint32(e[hdrSize+i*stampSize:], uint32(st.Dep))
		le.PutUint64(e[hdrSize+i*stampSize+4:], st.Epoch)
	}
	ko := hdrSize + len(stamps)*stampSize
	copy(e[ko+copy(e[ko:], key):], answer)
	s.idx[h] = s.head
	s.head += total
	s.live.Add(int64(total))
	s.entries.Add(1)
	return evicted
}

// evictTail moves the tail past the oldest record, dropping its index entry if it is
// still the indexed one (not replaced or invalidated since).
func (s *shard) evictTail() int {
	e := s.ring[s.tail%s.size:]
	n := uint64(le.Uint32(e))
	pos := s.tail
	s.tail += n
	if e[4] != kindEntry {
		return 0
	}
	h := le.Uint64(e[16:])
	if p, ok := s.idx[h]; ok && p == pos {
		s.drop(h, pos)
		return 1
	}
	return 0
}

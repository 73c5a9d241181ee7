package answercache

import (
	"math/bits"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
)

// store is the sharded ring store: size bytes in all, split over a power of two of shards
// (one lock each) chosen by the top bits of the key hash.
type store struct {
	shards   []*shard
	shift    uint
	maxEntry int // the largest answer a shard takes
}

const (
	shardMin  = 256 << 10
	maxShards = 64
)

func newStore(size int, admission bool) *store {
	n := size / (1 << 20)
	if n < 4 {
		n = 4
	}
	if n > maxShards {
		n = maxShards
	}
	n = 1 << (bits.Len(uint(n)) - 1)
	per := uint64(size/n) &^ 7
	if per < shardMin {
		per = shardMin
	}
	st := &store{shards: make([]*shard, n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	for i := range st.shards {
		st.shards[i] = newShard(per, admission)
	}
	st.maxEntry = int(per / 4)
	return st
}

func (st *store) shard(h uint64) *shard { return st.shards[h>>st.shift] }

func (st *store) get(h uint64, key []byte, now int64, dst []byte, meta *entryMeta, door bool) (int, result) {
	return st.shard(h).get(h, key, now, dst, meta, door)
}

func (st *store) put(h uint64, key, answer []byte, rcode int, stamps []answerdeps.Stamp, expiry int64) int {
	return st.shard(h).put(h, key, answer, rcode, stamps, expiry)
}

// bytes and entries are what the gauges show: indexed entries only.
func (st *store) bytes() (n int64) {
	for _, s := range st.shards {
		n += s.live.Load()
	}
	return n
}

func (st *store) entries() (n int64) {
	for _, s := range st.shards {
		n += s.entries.Load()
	}
	return n
}

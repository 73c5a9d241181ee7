package secondaryfeed

import (
	"sync"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/flatten"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

// The memory journals and conversion results are shared and counted: a reload starts the
// new instance (which takes a reference) before it shuts the old one down, so the
// journal, the fed serials and the last good conversions outlive reloads; a fresh journal
// would restart at the source's serial, behind what the secondaries hold. When the last
// instance stops, they go. A restart loses them: use redis for that.
var (
	memoryMu     sync.Mutex
	memoryStores = map[journal.Options]*sharedMemory{}
)

type sharedMemory struct {
	store   *journal.Memory
	results *flatten.Memory
	refs    int
}

func acquireMemory(opt journal.Options) *sharedMemory {
	memoryMu.Lock()
	defer memoryMu.Unlock()
	m := memoryStores[opt]
	if m == nil {
		m = &sharedMemory{store: journal.NewMemory(opt), results: flatten.NewMemory()}
		memoryStores[opt] = m
	}
	m.refs++
	return m
}

func releaseMemory(opt journal.Options) {
	memoryMu.Lock()
	defer memoryMu.Unlock()
	if m := memoryStores[opt]; m != nil {
		if m.refs--; m.refs <= 0 {
			delete(memoryStores, opt)
		}
	}
}

// fedZones counts the running instances that feed each zone: a zone whose count drops
// to zero at a reload is no longer fed, and its stored conversions are dropped.
var (
	fedMu    sync.Mutex
	fedZones = map[string]int{}
)

func acquireZones(names []string) {
	fedMu.Lock()
	defer fedMu.Unlock()
	for _, n := range names {
		fedZones[n]++
	}
}

// releaseZones returns the zones of names no instance feeds now.
func releaseZones(names []string) (gone []string) {
	fedMu.Lock()
	defer fedMu.Unlock()
	for _, n := range names {
		if fedZones[n]--; fedZones[n] <= 0 {
			delete(fedZones, n)
			gone = append(gone, n)
		}
	}
	return gone
}

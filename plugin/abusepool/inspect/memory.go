package inspect

import (
	"net/netip"
	"unsafe"
)

// maxNameLen is the longest name on the wire (RFC 1035), the most a kept name key can hold.
const maxNameLen = 255

// MemoryBytes estimates what the summaries hold now: their slots, heaps, map entries and the
// bytes of the names they keep. It stops growing once every summary is full, at no more than
// MaxMemoryBytes of the configuration. The queue is apart from it: Queue events of about 80
// bytes each, allocated once by New.
func (i *Inspector) MemoryBytes() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	total := 0
	for _, b := range i.buckets {
		strs, addrs, prefixes := b.summaries()
		for _, s := range strs {
			total += summaryBytes(s)
			for _, sl := range s.slots {
				total += len(sl.key)
			}
		}
		for _, s := range addrs {
			total += summaryBytes(s)
		}
		for _, s := range prefixes {
			total += summaryBytes(s)
		}
		total += summaryBytes(b.rcodes) + summaryBytes(b.qtypes)
	}
	return total
}

// MaxMemoryBytes is the most MemoryBytes can reach for c: every summary full, every name key
// as long as a name can be.
func MaxMemoryBytes(c Config) int {
	c = c.withDefaults()
	names := 3 * (c.GroupLabels + 1)
	per := names*entryBytes[string](c.Capacity) + names*c.Capacity*maxNameLen +
		4*entryBytes[netip.Addr](c.Capacity) + 2*entryBytes[netip.Prefix](c.Capacity) +
		entryBytes[int](c.Capacity) + entryBytes[uint16](c.Capacity)
	return c.Buckets * per
}

func summaryBytes[K comparable](s *summary[K]) int { return entryBytes[K](len(s.slots)) }

// entryBytes is what n counted keys cost: a slot, a heap place and a map entry each (key and
// slot number, at the map's 7/8 load plus a control byte).
func entryBytes[K comparable](n int) int {
	var k K
	var sl slot[K]
	mapEntry := (int(unsafe.Sizeof(k))+4)*8/7 + 1
	return n * (int(unsafe.Sizeof(sl)) + 4 + mapEntry)
}

package storeshape

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// wireStore holds each zone in one byte array, records in wire form: no
// pointer in it for the garbage collector to follow, and a zone's owners,
// types and records side by side. An answer decodes the records it sends.
//
// A zone's array: the owner count (2 octets); per owner, sorted by key (the
// name relative to the origin), its key's offset and length, and its sets'
// offset and count (2 octets each); per set, sorted by type, the type, the
// record count and the records' offset (2 octets each); the keys; the
// records, each packed with its owner name uncompressed.
type wireStore struct {
	byName  map[string]zoneRef
	origins []string
	blobs   [][]byte
}

const (
	ownerEntry = 8
	setEntry   = 6
)

var le = binary.LittleEndian

func newWireStore(n int) *wireStore {
	s := &wireStore{byName: make(map[string]zoneRef, n)}
	for i := 1; i <= n; i++ {
		origin := zoneName(i)
		s.byName[origin] = zoneRef(len(s.blobs))
		s.origins = append(s.origins, origin)
		s.blobs = append(s.blobs, packZone(origin, zoneRecords(i)))
	}
	return s
}

// packZone lays out the records of a zone as wireStore reads them.
func packZone(origin string, rrs []dns.RR) []byte {
	slices.SortStableFunc(rrs, func(a, b dns.RR) int {
		if c := strings.Compare(relKey(a.Header().Name, origin), relKey(b.Header().Name, origin)); c != 0 {
			return c
		}
		return cmp.Compare(a.Header().Rrtype, b.Header().Rrtype)
	})
	var keys []string
	var sets [][]dns.RR // in order: the sets of keys[0], then keys[1]...
	setsOf := []int{}   // per owner, how many sets
	for i, rr := range rrs {
		k := relKey(rr.Header().Name, origin)
		switch {
		case i == 0 || k != keys[len(keys)-1]:
			keys = append(keys, k)
			setsOf = append(setsOf, 1)
			sets = append(sets, []dns.RR{rr})
		case rr.Header().Rrtype != rrs[i-1].Header().Rrtype:
			setsOf[len(setsOf)-1]++
			sets = append(sets, []dns.RR{rr})
		default:
			sets[len(sets)-1] = append(sets[len(sets)-1], rr)
		}
	}
	head := 2 + ownerEntry*len(keys) + setEntry*len(sets)
	keyLen := 0
	for _, k := range keys {
		keyLen += len(k)
	}
	b := make([]byte, head+keyLen, head+keyLen+64*len(rrs))
	le.PutUint16(b, uint16(len(keys)))
	keyOff, set := head, 0
	for o, k := range keys {
		e := b[2+ownerEntry*o:]
		le.PutUint16(e, uint16(keyOff))
		le.PutUint16(e[2:], uint16(len(k)))
		le.PutUint16(e[4:], uint16(2+ownerEntry*len(keys)+setEntry*set))
		le.PutUint16(e[6:], uint16(setsOf[o]))
		copy(b[keyOff:], k)
		keyOff += len(k)
		set += setsOf[o]
	}
	for i, rs := range sets {
		e := b[2+ownerEntry*len(keys)+setEntry*i:]
		le.PutUint16(e, rs[0].Header().Rrtype)
		le.PutUint16(e[2:], uint16(len(rs)))
		le.PutUint16(e[4:], uint16(len(b)))
		for _, rr := range rs {
			buf := make([]byte, dns.Len(rr))
			n, err := dns.PackRR(rr, buf, 0, nil, false)
			if err != nil {
				panic(err)
			}
			b = append(b, buf[:n]...)
		}
	}
	return slices.Clip(b)
}

// relKey is name relative to origin, without the dot: "" for the apex.
func relKey(name, origin string) string {
	if len(name) == len(origin) {
		return ""
	}
	return name[:len(name)-len(origin)-1]
}

// parentKey is the key of the name just above key.
func parentKey(key string) string {
	if _, rest, ok := strings.Cut(key, "."); ok {
		return rest
	}
	return ""
}

func (s *wireStore) find(qname string) (zoneRef, bool) { return longest(s.byName, qname) }

// ownerAt returns the index of the owner with key k in zone b.
func ownerAt(b []byte, k string) (int, bool) {
	return searchOwners(b, k, func(off, n int) string { return string(b[off : off+n]) })
}

// searchOwners finds the owner with key k in the owner table of b, by
// binary search; key returns the key at (offset, length).
func searchOwners(b []byte, k string, key func(off, n int) string) (int, bool) {
	lo, hi := 0, int(le.Uint16(b))
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		e := b[2+ownerEntry*mid:]
		switch c := strings.Compare(key(int(le.Uint16(e)), int(le.Uint16(e[2:]))), k); {
		case c == 0:
			return mid, true
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false
}

// records decodes the records of type t at owner o of zone b.
func records(b []byte, o int, t uint16) []dns.RR {
	e := b[2+ownerEntry*o:]
	first, n := int(le.Uint16(e[4:])), int(le.Uint16(e[6:]))
	for i := range n {
		se := b[first+setEntry*i:]
		if le.Uint16(se) != t {
			continue
		}
		count, off := int(le.Uint16(se[2:])), int(le.Uint16(se[4:]))
		out := make([]dns.RR, count)
		for j := range out {
			rr, next, err := dns.UnpackRR(b, off)
			if err != nil {
				panic(err)
			}
			out[j], off = rr, next
		}
		return out
	}
	return nil
}

func (s *wireStore) answer(z zoneRef, qname string, qtype uint16, m *dns.Msg) {
	answerFrom(wireZone{b: s.blobs[z], origin: s.origins[z]}, qname, qtype, m)
}

// wireZone is one zone of a wireStore, as answerFrom reads it.
type wireZone struct {
	b      []byte
	origin string
}

func (z wireZone) apex() string                 { return z.origin }
func (z wireZone) ownerAt(k string) (int, bool) { return ownerAt(z.b, k) }

func (z wireZone) records(o int, t uint16, owner string) []dns.RR {
	rrs := records(z.b, o, t)
	for _, rr := range rrs {
		rr.Header().Name = owner // the same name, or a wildcard expanded
	}
	return rrs
}

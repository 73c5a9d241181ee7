package sqlsign

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"reflect"
	"slices"
	"sync"

	"github.com/miekg/dns"
)

// Two seeds make a 128-bit digest out of two 64-bit maphash sums. The cache
// lives in one process, so per-process random seeds are fine.
var seedA, seedB = maphash.MakeSeed(), maphash.MakeSeed()

// digester turns an RRset into the bytes that decide its signature: each RR
// packed uncompressed with its owner lower-cased (RFC 4034 6.2), in sorted
// order, so that 0x20 case variants and a reordered RRset hit the same entry.
type digester struct {
	buf   []byte
	spans [][2]int
}

var digesters = sync.Pool{New: func() any { return &digester{buf: make([]byte, 0, 512)} }}

// rrsetDigest is what every signature of set by signer shares.
type rrsetDigest struct{ a, b uint64 }

const headerLen = 12 // a DNS message header

var errShortWire = errors.New("packed RRset shorter than its records")

// digestRRset returns the digest of set as signed by signer.
func digestRRset(signer string, set []dns.RR) (rrsetDigest, error) {
	d := digesters.Get().(*digester)
	defer digesters.Put(d)
	d.spans = d.spans[:0]
	// Packed as a message: dns.PackRR would write each record's Rdlength,
	// and the records are the data plugin's, read by concurrent queries.
	m := dns.Msg{Answer: set}
	wire, err := m.PackBuffer(d.buf[:cap(d.buf)])
	if err != nil {
		return rrsetDigest{}, err
	}
	d.buf = wire
	off := headerLen
	for range set {
		start := off
		for off < len(wire) && wire[off] != 0 {
			off += int(wire[off]) + 1
		}
		off += 1 + 10 // the root label; type, class, TTL, rdlength
		if off > len(wire) {
			return rrsetDigest{}, errShortWire
		}
		off += int(binary.BigEndian.Uint16(wire[off-2:]))
		if off > len(wire) {
			return rrsetDigest{}, errShortWire
		}
		lowerOwner(wire[start:off])
		d.spans = append(d.spans, [2]int{start, off})
	}
	if len(d.spans) > 1 {
		slices.SortFunc(d.spans, func(x, y [2]int) int {
			return bytes.Compare(d.buf[x[0]:x[1]], d.buf[y[0]:y[1]])
		})
	}
	var ha, hb maphash.Hash
	ha.SetSeed(seedA)
	hb.SetSeed(seedB)
	for _, h := range []*maphash.Hash{&ha, &hb} {
		h.WriteString(dns.CanonicalName(signer))
		for _, s := range d.spans {
			h.Write(d.buf[s[0]:s[1]])
		}
	}
	return rrsetDigest{ha.Sum64(), hb.Sum64()}, nil
}

// Identity keys have seeds of their own: they never meet a content key.
var identSeedA, identSeedB = maphash.MakeSeed(), maphash.MakeSeed()

// identityKey is the cache key of the signature by the key (tag, alg), for
// the validity starting at inception, of the very records set holds, by
// signer. An RRset the data plugin keeps comes back as the same records at
// every query for it: found by their addresses, its signature costs no
// packing (digestRRset). The cache entry keeps the records and a hit is
// checked record by record (sigCache.getIdentical).
func identityKey(signer string, set []dns.RR, tag uint16, alg uint8, inception, expiration uint32) sigKey {
	var b [11]byte
	binary.BigEndian.PutUint16(b[0:], tag)
	b[2] = alg
	binary.BigEndian.PutUint32(b[3:], inception)
	binary.BigEndian.PutUint32(b[7:], expiration)
	var ha, hb maphash.Hash
	ha.SetSeed(identSeedA)
	hb.SetSeed(identSeedB)
	for _, h := range []*maphash.Hash{&ha, &hb} {
		h.WriteString(signer)
		h.Write(b[:])
		for _, rr := range set {
			var p [8]byte
			binary.BigEndian.PutUint64(p[:], uint64(reflect.ValueOf(rr).Pointer()))
			h.Write(p[:])
		}
	}
	return sigKey{ha.Sum64(), hb.Sum64()}
}

// keyFor is the cache key of the signature of the RRset with digest d by
// the key (tag, alg) for the validity window starting at inception: a new
// week or a new key never finds an old signature.
func (d rrsetDigest) keyFor(tag uint16, alg uint8, inception, expiration uint32) sigKey {
	var b [27]byte
	binary.BigEndian.PutUint64(b[0:], d.a)
	binary.BigEndian.PutUint64(b[8:], d.b)
	binary.BigEndian.PutUint16(b[16:], tag)
	b[18] = alg
	binary.BigEndian.PutUint32(b[19:], inception)
	binary.BigEndian.PutUint32(b[23:], expiration)
	return sigKey{maphash.Bytes(seedA, b[:]), maphash.Bytes(seedB, b[:])}
}

// lowerOwner lower-cases the owner name at the start of a packed,
// uncompressed RR. Length octets are below 64, so they are never changed.
func lowerOwner(wire []byte) {
	for i := 0; i < len(wire) && wire[i] != 0; i += int(wire[i]) + 1 {
		for j := i + 1; j <= i+int(wire[i]) && j < len(wire); j++ {
			if c := wire[j]; 'A' <= c && c <= 'Z' {
				wire[j] = c + 'a' - 'A'
			}
		}
	}
}

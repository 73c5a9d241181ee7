package storeshape

import (
	"net"
	"strings"

	"github.com/miekg/dns"
)

// flatStore is wireStore with records that cost one allocation each to
// answer: each zone is one byte array and one string, neither holding a
// pointer. The string holds every name of the zone (owners relative to the
// origin, and the names in records) and TXT strings; the array holds the
// owner and set tables, as wireStore's, and each record as its TTL and its
// data, names and strings as (offset, length) into the string. A record
// answered is a new dns.RR struct whose names are substrings of the zone's
// string and whose address is a sub-slice of its array: nothing copied,
// and the zone stays alive for as long as an answer holds a part of it.
type flatStore struct {
	byName map[string]zoneRef
	zones  []flatZone
}

type flatZone struct {
	origin string
	names  string
	b      []byte
}

func newFlatStore(n int) *flatStore {
	s := &flatStore{byName: make(map[string]zoneRef, n)}
	for i := 1; i <= n; i++ {
		origin := zoneName(i)
		s.byName[origin] = zoneRef(len(s.zones))
		s.zones = append(s.zones, packFlat(origin, zoneRecords(i)))
	}
	return s
}

// flatPacker collects a zone's names and data while it is laid out.
type flatPacker struct {
	names strings.Builder
	seen  map[string]int
}

// ref appends the reference to name (offset and length, 2 octets and 1).
func (p *flatPacker) ref(b []byte, name string) []byte {
	off, ok := p.seen[name]
	if !ok {
		off = p.names.Len()
		p.names.WriteString(name)
		p.seen[name] = off
	}
	b = le.AppendUint16(b, uint16(off))
	return append(b, byte(len(name)))
}

// packFlat lays out a zone as flatStore reads it: wireStore's layout, with
// the keys in the names string and each record as TTL and flat data.
func packFlat(origin string, rrs []dns.RR) flatZone {
	wire := packZone(origin, rrs) // sorts rrs; the tables are the same shape
	p := &flatPacker{seen: map[string]int{}}
	nOwners := int(le.Uint16(wire))
	nSets := 0
	for o := range nOwners {
		nSets += int(le.Uint16(wire[2+ownerEntry*o+6:]))
	}
	head := 2 + ownerEntry*nOwners + setEntry*nSets
	b := append([]byte(nil), wire[:head]...)
	for o := range nOwners {
		e := b[2+ownerEntry*o:]
		off, n := int(le.Uint16(e)), int(le.Uint16(e[2:]))
		key := string(wire[off : off+n])
		p.ref(nil, key)
		le.PutUint16(e, uint16(p.seen[key]))
	}
	for i := range nSets {
		e := b[2+ownerEntry*nOwners+setEntry*i:]
		count, off := int(le.Uint16(e[2:])), int(le.Uint16(e[4:]))
		le.PutUint16(e[4:], uint16(len(b)))
		for range count {
			rr, next, err := dns.UnpackRR(wire, off)
			if err != nil {
				panic(err)
			}
			off = next
			b = p.record(b, rr)
		}
	}
	return flatZone{origin: origin, names: p.names.String(), b: b}
}

// record appends rr's TTL and flat data.
func (p *flatPacker) record(b []byte, rr dns.RR) []byte {
	b = le.AppendUint32(b, rr.Header().Ttl)
	switch r := rr.(type) {
	case *dns.A:
		return append(b, r.A.To4()...)
	case *dns.AAAA:
		return append(b, r.AAAA.To16()...)
	case *dns.NS:
		return p.ref(b, r.Ns)
	case *dns.MX:
		return p.ref(le.AppendUint16(b, r.Preference), r.Mx)
	case *dns.SOA:
		b = p.ref(p.ref(b, r.Ns), r.Mbox)
		for _, v := range []uint32{r.Serial, r.Refresh, r.Retry, r.Expire, r.Minttl} {
			b = le.AppendUint32(b, v)
		}
		return b
	case *dns.TXT:
		b = append(b, byte(len(r.Txt)))
		for _, t := range r.Txt {
			b = p.ref(b, t)
		}
		return b
	}
	panic("flatStore: no layout for " + dns.TypeToString[rr.Header().Rrtype])
}

func (s *flatStore) find(qname string) (zoneRef, bool) { return longest(s.byName, qname) }

// ownerAt returns the index of the owner with key k.
func (z *flatZone) ownerAt(k string) (int, bool) {
	return searchOwners(z.b, k, func(off, n int) string { return z.names[off : off+n] })
}

// name reads the name reference at b[i:], returning it and the offset past it.
func (z *flatZone) name(i int) (string, int) {
	off, n := int(le.Uint16(z.b[i:])), int(z.b[i+2])
	return z.names[off : off+n], i + 3
}

// records makes the records of type t at owner o, named owner.
func (z *flatZone) records(o int, t uint16, owner string) []dns.RR {
	e := z.b[2+ownerEntry*o:]
	first, n := int(le.Uint16(e[4:])), int(le.Uint16(e[6:]))
	for i := range n {
		se := z.b[first+setEntry*i:]
		if le.Uint16(se) != t {
			continue
		}
		out := make([]dns.RR, le.Uint16(se[2:]))
		at := int(le.Uint16(se[4:]))
		for j := range out {
			out[j], at = z.record(at, t, owner)
		}
		return out
	}
	return nil
}

// record makes the record of type t at z.b[at:], returning the offset past it.
func (z *flatZone) record(at int, t uint16, owner string) (dns.RR, int) {
	h := dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: le.Uint32(z.b[at:])}
	at += 4
	switch t {
	case dns.TypeA:
		return &dns.A{Hdr: h, A: net.IP(z.b[at : at+4 : at+4])}, at + 4
	case dns.TypeAAAA:
		return &dns.AAAA{Hdr: h, AAAA: net.IP(z.b[at : at+16 : at+16])}, at + 16
	case dns.TypeNS:
		ns, next := z.name(at)
		return &dns.NS{Hdr: h, Ns: ns}, next
	case dns.TypeMX:
		mx, next := z.name(at + 2)
		return &dns.MX{Hdr: h, Preference: le.Uint16(z.b[at:]), Mx: mx}, next
	case dns.TypeSOA:
		ns, at := z.name(at)
		mbox, at := z.name(at)
		v := func(i int) uint32 { return le.Uint32(z.b[at+4*i:]) }
		return &dns.SOA{Hdr: h, Ns: ns, Mbox: mbox, Serial: v(0), Refresh: v(1), Retry: v(2), Expire: v(3), Minttl: v(4)}, at + 20
	case dns.TypeTXT:
		txt := make([]string, z.b[at])
		at++
		for i := range txt {
			txt[i], at = z.name(at)
		}
		return &dns.TXT{Hdr: h, Txt: txt}, at
	}
	panic("flatStore: no layout for " + dns.TypeToString[t])
}

func (s *flatStore) answer(ref zoneRef, qname string, qtype uint16, m *dns.Msg) {
	answerFrom(&s.zones[ref], qname, qtype, m)
}

func (z *flatZone) apex() string { return z.origin }

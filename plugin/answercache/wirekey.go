package answercache

import "github.com/miekg/dns"

// wireKey builds, from a request as it came off a UDP/IPv4 socket, the same key buildKey
// builds from the unpacked message, without unpacking it. It only takes the plain shape
// of a query (one question, a name of letters, digits, '-' and '_' without compression,
// at most an OPT record without options, no rcode, nothing trailing); for anything else
// it reports false and the request goes the way every request goes, unpacked and through
// the server. FuzzWireKey checks that whatever it takes is keyed exactly as buildKey keys it.
//
// The returned key's name is the case-folded name; qlen is the length of the question
// name in wire form, which a hit copies over the stored answer's question to give the
// client back its own case.
func wireKey(dst []byte, pkt []byte) (k key, qlen int, ok bool) {
	if len(pkt) < 12+1+4 {
		return k, 0, false
	}
	flags1, flags2 := pkt[2], pkt[3]
	switch {
	case flags1&0x80 != 0: // a response
		return k, 0, false
	case flags1&0x78 != 0: // an opcode other than QUERY
		return k, 0, false
	case flags2&0x0f != 0: // an rcode
		return k, 0, false
	case be16(pkt[4:]) != 1 || be16(pkt[6:]) != 0 || be16(pkt[8:]) != 0:
		return k, 0, false
	}
	arcount := be16(pkt[10:])
	if arcount > 1 {
		return k, 0, false
	}
	qlen, presLen, ok := plainName(pkt[12:])
	if !ok {
		return k, 0, false
	}
	off := 12 + qlen
	if off+4 > len(pkt) {
		return k, 0, false
	}
	qtype, qclass := be16(pkt[off:]), be16(pkt[off+2:])
	if qtype == typeAXFR || qtype == typeIXFR {
		return k, 0, false
	}
	off += 4

	var kf byte
	if flags2&0x10 != 0 {
		kf |= kCD
	}
	if flags2&0x20 != 0 {
		kf |= kAD
	}
	var optClass, optHi, optLo uint16
	if arcount == 1 {
		// The OPT record: the root name, type 41, no options.
		if off+11 != len(pkt) || pkt[off] != 0 || be16(pkt[off+1:]) != typeOPT || be16(pkt[off+9:]) != 0 {
			return k, 0, false
		}
		optClass, optHi, optLo = be16(pkt[off+3:]), be16(pkt[off+5:]), be16(pkt[off+7:])
		if optHi>>8 != 0 { // an extended rcode
			return k, 0, false
		}
		kf |= kEDNS
	} else if off != len(pkt) {
		return k, 0, false
	}

	aa, tc, ra, z := flags1>>2&1, flags1>>1&1, flags2>>7&1, flags2>>6&1
	b := append(dst, kf, aa|tc<<1|ra<<2|z<<3, 0)
	b = append16(b, qtype)
	b = append16(b, qclass)
	if kf&kEDNS != 0 {
		b = append16(b, optClass)
		b = append16(b, optHi)
		b = append16(b, optLo)
	}
	b = append16(b, uint16(presLen))
	k.nameOffset = len(b)
	b = appendPresentation(b, pkt[12:12+qlen])
	k.b, k.name, k.patchCase = b, b[k.nameOffset:], true
	return k, qlen, true
}

const (
	typeOPT  = 41
	typeAXFR = 252
	typeIXFR = 251
)

// plainName measures the uncompressed name at the start of b whose labels hold only
// letters, digits, '-' and '_' (what miekg/dns writes without escapes): its length in
// wire form and in presentation form.
func plainName(b []byte) (wireLen, presLen int, ok bool) {
	i := 0
	for {
		if i >= len(b) {
			return 0, 0, false
		}
		l := int(b[i])
		if l == 0 {
			if i == 0 {
				return 1, 1, true // the root
			}
			return i + 1, i, true
		}
		if l > 63 || i+1+l > len(b) || i+1+l > 254 {
			return 0, 0, false
		}
		for _, c := range b[i+1 : i+1+l] {
			if !plainByte(c) {
				return 0, 0, false
			}
		}
		i += 1 + l
	}
}

func plainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// appendPresentation appends the plain wire name w, case-folded, as text: "www.example.org.".
func appendPresentation(b, w []byte) []byte {
	if len(w) == 1 {
		return append(b, '.')
	}
	for i := 0; w[i] != 0; {
		l := int(w[i])
		for _, c := range w[i+1 : i+1+l] {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
		b = append(b, '.')
		i += 1 + l
	}
	return b
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }

// wireHeader reads the 12-octet header at the start of b.
func wireHeader(b []byte) dns.Header {
	return dns.Header{Id: be16(b), Bits: be16(b[2:]), Qdcount: be16(b[4:]), Ancount: be16(b[6:]), Nscount: be16(b[8:]), Arcount: be16(b[10:])}
}

package zone

import (
	"crypto/sha1"
	"encoding/base32"
	"strings"

	"github.com/miekg/dns"
)

// NSEC3 denial is made of "white lies" (RFC 7129 appendix B; PowerDNS's
// narrow mode; RFC 4470 for NSEC), for narrow and other NSEC3PARAMs alike:
// the NSEC3 matching a name has its hash H as owner and H+1 as next hashed
// owner, and the one covering a name has H-1 and H+1. A real hashed chain
// would need every name of the version hashed and sorted by hash, again for
// each version a patch makes: a million-record zone cannot afford that per
// change. White lies validate the same (RFC 5155 8.3-8.7 only ask that a
// record match or cover), cost a hash or three per negative answer, and give
// away no hash of a name that exists but the one asked for (no zone walking).

// b32 is Base32 with the extended hex alphabet, as NSEC3 writes hashes (RFC
// 5155 3.3); a 20-octet SHA-1 hash has no padding.
var b32 = base32.HexEncoding.WithPadding(base32.NoPadding)

// hashOf returns the NSEC3 hash of name (RFC 5155 5).
func (z *Zone) hashOf(name string) []byte {
	iter, salt := z.nsec3Params()
	h, err := b32.DecodeString(dns.HashName(name, dns.SHA1, iter, salt))
	if err != nil || len(h) != sha1.Size {
		return make([]byte, sha1.Size) // not a name: never, for names in the zone
	}
	return h
}

// nsec3Match returns the NSEC3 that matches name, with the types of o there
// (nil: a name without records; a pre-signed zone's own, with its RRSIGs).
// Online, the white lie is the one kept for name (lies.go): the types at a
// name are the same for the whole version.
func (z *Zone) nsec3Match(name string, o *owner) []dns.RR {
	if z.den == nil {
		return z.storedMatch(z.hashOf(name))
	}
	return lie(lieKey{den: z.den, name: name}, func() dns.RR {
		var types []uint16
		if o != nil {
			types = z.bitmap(*o, true)
		}
		h := z.hashOf(name)
		return z.nsec3(h, step(h, 1), types)
	})
}

// nsec3Cover returns an NSEC3 that covers name: an empty span around its
// hash (in a pre-signed zone, the one of its chain, with its RRSIGs).
func (z *Zone) nsec3Cover(name string) []dns.RR {
	if z.den == nil {
		return z.storedCover(z.hashOf(name))
	}
	return lie(lieKey{den: z.den, cover: true, name: name}, func() dns.RR {
		h := z.hashOf(name)
		return z.nsec3(step(h, -1), step(h, 1), nil)
	})
}

// ownerAt returns the owner with key rel, nil if there is none.
func (z *Zone) ownerAt(rel string) *owner {
	if o, ok := z.set.get(rel); ok {
		return &o
	}
	return nil
}

func (z *Zone) nsec3(owner, next []byte, types []uint16) dns.RR {
	return &dns.NSEC3{Hdr: z.denialHeader(z.hashedName(owner), dns.TypeNSEC3), Hash: dns.SHA1, Iterations: z.den.iter,
		SaltLength: uint8(len(z.den.salt) / 2), Salt: z.den.salt, HashLength: sha1.Size,
		NextDomain: b32.EncodeToString(next), TypeBitMap: types}
}

// hashedName is the owner name of the NSEC3 of hash h (RFC 5155 3).
func (z *Zone) hashedName(h []byte) string {
	name := strings.ToLower(b32.EncodeToString(h)) + "." + z.origin
	if z.origin == "." {
		name = name[:len(name)-1]
	}
	return name
}

// step returns the hash h plus d (+1 or -1), wrapping around, as the last
// NSEC3 of a chain points to the first (RFC 5155 3.1.7).
func step(h []byte, d int) []byte {
	out := append([]byte(nil), h...)
	for i := len(out) - 1; i >= 0; i-- {
		out[i] += byte(d)
		if (d > 0 && out[i] != 0) || (d < 0 && out[i] != 0xff) {
			break
		}
	}
	return out
}

// encloserNames returns the names of the closest encloser ce (a key) of
// qname and of the next closer name (RFC 5155 1.3), ce with one more of
// qname's labels.
func (z *Zone) encloserNames(qname, ce string) (ceName, closer string) {
	labels := strings.Count(ce, "\x00") + dns.CountLabel(z.origin)
	idx := dns.Split(qname)
	n := len(idx)
	ceName = "."
	if labels > 0 {
		ceName = qname[idx[n-labels]:]
	}
	return ceName, qname[idx[n-labels-1]:]
}

// wildcardName is "*." + name.
func wildcardName(name string) string {
	if name == "." {
		return "*."
	}
	return "*." + name
}

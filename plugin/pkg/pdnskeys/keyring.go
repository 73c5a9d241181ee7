// Package pdnskeys reads a zone's DNSSEC keys and settings as PowerDNS keeps
// them: the rows of the cryptokeys table (pdnsutil secure-zone,
// add-zone-key, activate-zone-key ...) and the DNSSEC kinds of the
// domainmetadata table. A Keyring is what an online signer needs of one zone.
package pdnskeys

import (
	"cmp"
	"crypto"
	"slices"
	"sync"

	"github.com/miekg/dns"
)

// Key is one row of the cryptokeys table, parsed.
type Key struct {
	ID        int64 // cryptokeys.id
	DNSKEY    *dns.DNSKEY
	Tag       uint16 // DNSKEY's key tag (RFC 4034 appendix B), found once: a signer needs it for every RRSIG
	Signer    crypto.Signer
	Active    bool // signs (PowerDNS: active)
	Published bool // in the DNSKEY RRset (PowerDNS: published)
}

// KSK reports whether k is a key-signing key (flags 257, the SEP bit).
func (k Key) KSK() bool { return k.DNSKEY.Flags&dns.SEP != 0 }

// Meta is the zone's DNSSEC settings from domainmetadata, as PowerDNS reads
// them. The zero value is a zone with none set.
type Meta struct {
	NSEC3     *dns.NSEC3PARAM // NSEC3PARAM (Flags as stored: 1 is opt-out); nil: NSEC
	Narrow    bool            // NSEC3NARROW
	Presigned bool            // PRESIGNED: RRSIGs are rows in records, served as stored
	SOAEdit   string          // SOA-EDIT, upper case; "" when unset
	// PublishCDS holds the digest types of PUBLISH-CDS; nil when unset;
	// [0] for the delete CDS (RFC 8078 section 4).
	PublishCDS []uint8
	// PublishCDNSKEY is PUBLISH-CDNSKEY: nil when unset; false for the
	// delete CDNSKEY (RFC 8078 section 4), true for the keys.
	PublishCDNSKEY *bool
}

// Keyring is one zone's keys and settings. Immutable once made: a change to
// the rows makes a new one.
type Keyring struct {
	Origin string // lower case, fully qualified
	Keys   []Key  // every usable row, by id
	Meta   Meta

	// The signers of each kind of RRset, found once: Signers runs for every
	// RRset of every signed answer.
	signersOnce                            sync.Once
	dnskeySigners, cdsSigners, dataSigners []Key
}

// New makes the Keyring of the zone origin from its cryptokeys rows and
// domainmetadata rows. A row that cannot be used is left out, with an error
// naming it to log: a zone with one bad key keeps its good ones (PowerDNS
// itself fails the zone's answers, getKeys throwing). Meta errors are
// ParseMeta's.
func New(origin string, keys []Row, meta []MetaRow) (*Keyring, []error) {
	origin = dns.CanonicalName(origin)
	kr := &Keyring{Origin: origin}
	var errs []error
	for _, r := range keys {
		k, err := ParseKey(origin, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		kr.Keys = append(kr.Keys, k)
	}
	slices.SortFunc(kr.Keys, func(a, b Key) int { return cmp.Compare(a.ID, b.ID) })
	m, merrs := ParseMeta(origin, meta)
	kr.Meta = m
	return kr, append(errs, merrs...)
}

// Secured reports whether the zone is signed online: it has an active key
// and is not PRESIGNED. (PowerDNS's isSecuredZone also counts a PRESIGNED
// zone, whose signatures are records.)
func (kr *Keyring) Secured() bool {
	if kr.Meta.Presigned {
		return false
	}
	for _, k := range kr.Keys {
		if k.Active {
			return true
		}
	}
	return false
}

// Roles of a key, as pdnsutil show-zone prints them.
const (
	RoleKSK = "KSK" // signs the DNSKEY, CDS and CDNSKEY RRsets
	RoleZSK = "ZSK" // signs every RRset but DNSKEY
	RoleCSK = "CSK" // signs every RRset
)

// Role returns k's role as PowerDNS's DNSSECKeeper::getKeys decides it:
// an algorithm with an active key of flags 257 and an active one of flags
// 256 has a KSK/ZSK split, and its keys (active or not) are KSKs or ZSKs by
// their flags; every key of any other algorithm is a CSK. So a zone of
// active ZSKs only signs its DNSKEY RRset with them too.
func (kr *Keyring) Role(k Key) string {
	var sep, zsk bool
	for _, o := range kr.Keys {
		if o.Active && o.DNSKEY.Algorithm == k.DNSKEY.Algorithm {
			sep = sep || o.KSK()
			zsk = zsk || !o.KSK()
		}
	}
	switch {
	case !sep || !zsk:
		return RoleCSK
	case k.KSK():
		return RoleKSK
	}
	return RoleZSK
}

// DNSKEYs returns the DNSKEY RRset with ttl: the published keys, active or
// not (packethandler.cc addDNSKEY). KeyTTL gives PowerDNS's TTL.
func (kr *Keyring) DNSKEYs(ttl uint32) []dns.RR {
	var out []dns.RR
	for _, k := range kr.Keys {
		if k.Published {
			out = append(out, withTTL(k.DNSKEY, ttl))
		}
	}
	return out
}

func withTTL(k *dns.DNSKEY, ttl uint32) *dns.DNSKEY {
	c := *k
	c.Hdr.Ttl = ttl
	return &c
}

// Signers returns the keys that sign an RRset of qtype, as PowerDNS's
// getRRSIGsForRRSET (dnssecsigner.cc) picks them: every active key, published
// or not, except a ZSK for DNSKEY and a KSK for any type but DNSKEY, CDS and
// CDNSKEY. CDS and CDNSKEY RRsets are thus signed by the ZSKs too, and a CSK
// signs everything.
//
// The slice is shared: read only.
func (kr *Keyring) Signers(qtype uint16) []Key {
	kr.signersOnce.Do(func() {
		kr.dnskeySigners = kr.signers(dns.TypeDNSKEY)
		kr.cdsSigners = kr.signers(dns.TypeCDS)
		kr.dataSigners = kr.signers(dns.TypeA)
	})
	switch qtype {
	case dns.TypeDNSKEY:
		return kr.dnskeySigners
	case dns.TypeCDS, dns.TypeCDNSKEY:
		return kr.cdsSigners
	}
	return kr.dataSigners
}

func (kr *Keyring) signers(qtype uint16) []Key {
	var out []Key
	for _, k := range kr.Keys {
		if !k.Active {
			continue
		}
		switch kr.Role(k) {
		case RoleZSK:
			if qtype == dns.TypeDNSKEY {
				continue
			}
		case RoleKSK:
			if qtype != dns.TypeDNSKEY && qtype != dns.TypeCDS && qtype != dns.TypeCDNSKEY {
				continue
			}
		}
		out = append(out, k)
	}
	return out
}

// entryPoints are the keys CDS and CDNSKEY publish: the published KSKs and
// CSKs, active or not (getEntryPoints and the published test of addCDS).
func (kr *Keyring) entryPoints() []Key {
	var out []Key
	for _, k := range kr.Keys {
		if k.Published && kr.Role(k) != RoleZSK {
			out = append(out, k)
		}
	}
	return out
}

// CDS returns the CDS RRset with ttl as PowerDNS's addCDS makes it: nil
// without PUBLISH-CDS; the delete CDS "0 0 0 00" (RFC 8078 section 4) when
// its digest types include 0; else one CDS per entry key and digest type.
func (kr *Keyring) CDS(ttl uint32) []dns.RR {
	d := kr.Meta.PublishCDS
	if len(d) == 0 {
		return nil
	}
	if slices.Contains(d, 0) {
		return []dns.RR{&dns.CDS{DS: dns.DS{Hdr: kr.header(dns.TypeCDS, ttl), Digest: "00"}}}
	}
	var out []dns.RR
	for _, k := range kr.entryPoints() {
		for _, t := range d {
			ds := withTTL(k.DNSKEY, ttl).ToDS(t)
			if ds == nil {
				continue
			}
			out = append(out, ds.ToCDS())
		}
	}
	return out
}

// CDNSKEY returns the CDNSKEY RRset with ttl as PowerDNS's addCDNSKEY makes
// it: nil without PUBLISH-CDNSKEY; the delete CDNSKEY "0 3 0 AA==" (RFC 8078
// section 4) when it is "0"; else the entry keys.
func (kr *Keyring) CDNSKEY(ttl uint32) []dns.RR {
	p := kr.Meta.PublishCDNSKEY
	if p == nil {
		return nil
	}
	if !*p {
		return []dns.RR{&dns.CDNSKEY{DNSKEY: dns.DNSKEY{Hdr: kr.header(dns.TypeCDNSKEY, ttl), Protocol: 3, PublicKey: "AA=="}}}
	}
	var out []dns.RR
	for _, k := range kr.entryPoints() {
		out = append(out, withTTL(k.DNSKEY, ttl).ToCDNSKEY())
	}
	return out
}

func (kr *Keyring) header(t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: kr.Origin, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

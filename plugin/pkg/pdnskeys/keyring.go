// Package pdnskeys reads a zone's DNSSEC keys and settings as PowerDNS keeps
// them: the rows of the cryptokeys table (pdnsutil secure-zone,
// add-zone-key, activate-zone-key ...) and the DNSSEC kinds of the
// domainmetadata table. A Keyring is what an online signer needs of one zone.
package pdnskeys

import (
	"crypto"

	"github.com/miekg/dns"
)

// Key is one row of the cryptokeys table, parsed.
type Key struct {
	ID        int64 // cryptokeys.id
	DNSKEY    *dns.DNSKEY
	Signer    crypto.Signer
	Active    bool // signs (PowerDNS: active)
	Published bool // in the DNSKEY RRset (PowerDNS: published)
}

// KSK reports whether k is a key-signing key (flags 257, the SEP bit).
func (k Key) KSK() bool { return k.DNSKEY.Flags&dns.SEP != 0 }

// Meta is the zone's DNSSEC settings from domainmetadata, as PowerDNS reads
// them. The zero value is a zone with none set.
type Meta struct {
	NSEC3     *dns.NSEC3PARAM // NSEC3PARAM; nil: NSEC
	Narrow    bool            // NSEC3NARROW
	Presigned bool            // PRESIGNED: RRSIGs are rows in records, served as stored
	SOAEdit   string          // SOA-EDIT, upper case; "" when unset
	// PublishCDS holds the digest types of PUBLISH-CDS; nil when unset.
	PublishCDS []uint8
	// PublishCDNSKEY is PUBLISH-CDNSKEY: nil when unset.
	PublishCDNSKEY *bool
}

// Keyring is one zone's keys and settings. Immutable once made: a change to
// the rows makes a new one.
type Keyring struct {
	Origin string // lower case, fully qualified
	Keys   []Key  // every usable row, by id
	Meta   Meta
}

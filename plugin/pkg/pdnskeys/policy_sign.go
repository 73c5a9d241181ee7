package pdnskeys

// TEMPORARY (branch sign): the Keyring methods the sqlsign plugin calls,
// with minimal bodies, until the pdnskeys helper's versions are merged. At
// the merge keep that helper's implementation and delete this file; the
// signatures here are the ones sqlsign is coded against.

import (
	"strings"
	"time"

	"github.com/miekg/dns"
)

const week = 7 * 24 * 3600

// Secured reports whether the zone has a key that signs.
func (r *Keyring) Secured() bool {
	for _, k := range r.Keys {
		if k.Active {
			return true
		}
	}
	return false
}

// DNSKEYs returns the published keys as the zone's DNSKEY RRset.
func (r *Keyring) DNSKEYs(ttl uint32) []dns.RR {
	var out []dns.RR
	for _, k := range r.Keys {
		if k.Published {
			out = append(out, r.withHeader(k.DNSKEY, ttl))
		}
	}
	return out
}

// Signers returns the active keys that sign an RRset of type qtype: KSKs for
// DNSKEY, CDS and CDNSKEY, ZSKs for the rest; a zone with only one kind
// signs everything with it (a CSK).
func (r *Keyring) Signers(qtype uint16) []Key {
	var ksk, zsk []Key
	for _, k := range r.Keys {
		switch {
		case !k.Active || k.Signer == nil:
		case k.KSK():
			ksk = append(ksk, k)
		default:
			zsk = append(zsk, k)
		}
	}
	apex := qtype == dns.TypeDNSKEY || qtype == dns.TypeCDS || qtype == dns.TypeCDNSKEY
	if (apex && len(ksk) > 0) || len(zsk) == 0 {
		return ksk
	}
	return zsk
}

// CDS returns the CDS RRset of the published KSKs, one per PUBLISH-CDS
// digest type; nil when PUBLISH-CDS is unset.
func (r *Keyring) CDS(ttl uint32) []dns.RR {
	var out []dns.RR
	for _, k := range r.published() {
		for _, d := range r.Meta.PublishCDS {
			if ds := r.withHeader(k.DNSKEY, ttl).(*dns.DNSKEY).ToDS(d); ds != nil {
				out = append(out, ds.ToCDS())
			}
		}
	}
	return out
}

// CDNSKEY returns the CDNSKEY RRset of the published KSKs; nil unless
// PUBLISH-CDNSKEY is set to 1.
func (r *Keyring) CDNSKEY(ttl uint32) []dns.RR {
	if r.Meta.PublishCDNSKEY == nil || !*r.Meta.PublishCDNSKEY {
		return nil
	}
	var out []dns.RR
	for _, k := range r.published() {
		out = append(out, r.withHeader(k.DNSKEY, ttl).(*dns.DNSKEY).ToCDNSKEY())
	}
	return out
}

// Validity returns the signature validity PowerDNS uses: from one week
// before the start of the current week (Unix epoch weeks) to two weeks after it.
func (r *Keyring) Validity(now time.Time) (inception, expiration uint32) {
	start := now.Unix() - now.Unix()%week
	return uint32(start - week), uint32(start + 2*week) // #nosec G115 -- RRSIG times are serial arithmetic
}

// EditSOA returns soa with its serial changed as SOA-EDIT says (a copy), or
// soa itself when nothing changes. Minimal: EPOCH, INCEPTION-EPOCH and
// INCREMENT-WEEKS.
func (r *Keyring) EditSOA(soa *dns.SOA, now time.Time) *dns.SOA {
	start := uint32(now.Unix() - now.Unix()%week) // #nosec G115
	serial := soa.Serial
	switch strings.ToUpper(r.Meta.SOAEdit) {
	case "EPOCH":
		serial = uint32(now.Unix()) // #nosec G115
	case "INCEPTION-EPOCH":
		serial = max(serial, start)
	case "INCREMENT-WEEKS":
		serial += start / week
	}
	if serial == soa.Serial {
		return soa
	}
	c := dns.Copy(soa).(*dns.SOA)
	c.Serial = serial
	return c
}

// published returns the published KSKs, or every published key when none is
// a KSK.
func (r *Keyring) published() []Key {
	var ksk, all []Key
	for _, k := range r.Keys {
		if !k.Published {
			continue
		}
		all = append(all, k)
		if k.KSK() {
			ksk = append(ksk, k)
		}
	}
	if len(ksk) > 0 {
		return ksk
	}
	return all
}

// withHeader returns a copy of key owned by the zone's origin with ttl.
func (r *Keyring) withHeader(key *dns.DNSKEY, ttl uint32) dns.RR {
	c := dns.Copy(key)
	c.Header().Name = r.Origin
	c.Header().Ttl = ttl
	return c
}

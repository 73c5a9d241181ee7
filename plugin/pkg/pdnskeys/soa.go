package pdnskeys

import (
	"time"

	"github.com/miekg/dns"
)

const week = 7 * 86400

// KeyTTL is the TTL PowerDNS gives the DNSKEY, CDS, CDNSKEY and NSEC3PARAM
// records it makes: the SOA's minimum field (packethandler.cc, d_sd.minimum).
func KeyTTL(soa *dns.SOA) uint32 { return soa.Minttl }

// startOfWeek is PowerDNS's getStartOfWeek (dnssecinfra.cc): now rounded
// down to a multiple of seven days since the Unix epoch, a Thursday 00:00 UTC.
// Serial number arithmetic (RFC 4034 section 3.1.5) makes the uint32 wrap
// in 2106 harmless.
func startOfWeek(now time.Time) uint32 {
	t := uint32(now.Unix())
	return t - t%week
}

// NextWeek returns when the signatures made at now and SOA-EDIT's serial
// next change: the start of the next week (startOfWeek). Anything that keeps
// signed answers must drop them by then.
func NextWeek(now time.Time) time.Time {
	return time.Unix(int64(startOfWeek(now))+week, 0)
}

// Validity returns the inception and expiration of the signatures made at
// now, as PowerDNS's getRRSIGsForRRSET (dnssecsigner.cc): a week before the
// start of the week, and two weeks after it. A signature is the same all
// week (so caches and secondaries see no churn), is valid from seven to
// fourteen days before it is made, and has at least a week left when it is
// replaced. PowerDNS 4.7 has no setting for this (the offset is
// hard-coded); later versions add rrsig-expiry-extend, 0 by default.
func (kr *Keyring) Validity(now time.Time) (inception, expiration uint32) {
	s := startOfWeek(now)
	return s - week, s + 2*week
}

// EditSOA returns soa with the serial SOA-EDIT makes of it at now, as
// PowerDNS's calculateEditSOA (serialtweaker.cc); soa itself when the serial
// stays (SOA-EDIT unset or NONE, and always in a PRESIGNED zone, see
// getSoaEdit). INCEPTION-INCREMENT writes dates as YYYYMMDD in now's
// location, as PowerDNS does in the server's local time zone.
func (kr *Keyring) EditSOA(soa *dns.SOA, now time.Time) *dns.SOA {
	if kr.Meta.Presigned {
		return soa
	}
	serial := editSerial(soa.Serial, kr.Meta.SOAEdit, now)
	if serial == soa.Serial {
		return soa
	}
	c := *soa
	c.Serial = serial
	return &c
}

func editSerial(old uint32, kind string, now time.Time) uint32 {
	inception := startOfWeek(now)
	switch kind {
	case "INCEPTION-INCREMENT":
		// A serial before <inception day>00 becomes <inception day>01;
		// <day>00 and <day>01 (reserved for that) become <day>02; one up
		// to <day + 2>99 is increased by one; a later one stays.
		first := yyyymmdd(inception, now.Location(), 1)
		last := yyyymmdd(inception+2*86400, now.Location(), 99)
		switch {
		case old < first-1:
			return first
		case old < first+1:
			return first + 1
		case old <= last:
			return old + 1
		}
	case "INCREMENT-WEEKS":
		return old + inception/week
	case "EPOCH":
		return uint32(now.Unix())
	case "INCEPTION-EPOCH":
		if old < inception {
			return inception
		}
	}
	return old
}

// yyyymmdd is localtime_format_YYYYMMDDSS: the date of t in loc, and seq.
func yyyymmdd(t uint32, loc *time.Location, seq uint32) uint32 {
	y, m, d := time.Unix(int64(t), 0).In(loc).Date()
	return uint32(y)*1000000 + uint32(m)*10000 + uint32(d)*100 + seq
}

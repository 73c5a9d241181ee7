// Package rrtypes defines the private resource record types hostdns serves:
// ALIAS, POOL and URL. They are registered with miekg/dns (dns.PrivateHandle)
// when this package is initialised, so importing it is enough for the stock
// file and auto plugins to read them from zone files, and for them to travel
// in messages and zone transfers as *dns.PrivateRR.
//
// ALIAS, type 65401, holds one domain name, the target. Its rdata is that
// name, uncompressed. Number and format are PowerDNS's, so zone transfers
// interoperate with PowerDNS.
//
//	example.org. 300 IN ALIAS target.example.net.
//
// POOL, type 65460, holds a target host name and an optional weight
// (1..65535, default 1). Its rdata is the weight (2 octets, network order)
// followed by the uncompressed target. The weight is always printed.
//
//	www.example.org. 300 IN POOL host1.example.net. 10
//
// URL, type 65461, holds an absolute http or https URL with a host, and an
// optional redirect status code (301, 302, 307 or 308, default 301). Its rdata
// is the code (2 octets, network order) followed by the URL octets up to the
// end of the rdata: not a character-string, so URLs may be longer than 255
// octets. In text the URL is a quoted string, which may be left unquoted if it
// has no blanks; \" \\ \X and \DDD are escapes. It is printed quoted, with " and
// \ escaped and octets outside printable ASCII as \DDD. The code is always
// printed.
//
//	go.example.org. 300 IN URL "https://www.example.com/path?q=1" 302
//
// Targets keep their case and must be fully qualified: a PrivateRdata is
// parsed without knowing $ORIGIN, so a relative target can't be completed and
// is refused. Owner names are qualified as usual. The numbers avoid those
// PowerDNS uses (65400 ADDR, 65401 ALIAS, 65402 LUA) for the new types. See
// docs/record-types.md.
package rrtypes

import (
	"fmt"

	"github.com/miekg/dns"
)

// Type codes, all from the private use range (RFC 6895, 65280-65534).
const (
	TypeALIAS uint16 = 65401 // PowerDNS's ALIAS, for transfer interoperability
	TypePOOL  uint16 = 65460
	TypeURL   uint16 = 65461
)

// IsSpecial reports whether qtype is one of the types defined in this package.
func IsSpecial(qtype uint16) bool {
	switch qtype {
	case TypeALIAS, TypePOOL, TypeURL:
		return true
	}
	return false
}

// newRR returns a registered, empty RR of type t with hdr as its header. It
// goes through dns.TypeToRR because only PrivateHandle's constructor can set
// the unexported generator that (*dns.PrivateRR).copy needs.
func newRR(hdr dns.RR_Header, t uint16) *dns.PrivateRR {
	rr := dns.TypeToRR[t]().(*dns.PrivateRR)
	rr.Hdr = hdr
	rr.Hdr.Rrtype = t
	if rr.Hdr.Class == 0 {
		rr.Hdr.Class = dns.ClassINET
	}
	return rr
}

// as returns the rdata of rr if it is a private RR with rdata of type P.
func as[P dns.PrivateRdata](rr dns.RR) (P, bool) {
	p, ok := rr.(*dns.PrivateRR)
	if !ok || p == nil {
		var zero P
		return zero, false
	}
	d, ok := p.Data.(P)
	return d, ok
}

// copyTo implements dns.PrivateRdata's Copy for rdata that holds no pointers.
func copyTo[P interface {
	*T
	dns.PrivateRdata
}, T any](src P, dest dns.PrivateRdata) error {
	d, ok := dest.(P)
	if !ok {
		return fmt.Errorf("cannot copy %T into %T", src, dest)
	}
	*d = *src
	return nil
}

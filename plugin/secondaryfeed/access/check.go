package access

import (
	"errors"
	"net/netip"
	"slices"

	"github.com/miekg/dns"
)

// Decision is the answer to a transfer request.
type Decision struct {
	// Rcode is dns.RcodeSuccess when the transfer may go ahead, else
	// dns.RcodeRefused or dns.RcodeNotAuth.
	Rcode int
	// TSIGError is the error of the response's TSIG (RFC 8945 5.2) for a
	// signed request: dns.RcodeBadKey, dns.RcodeBadSig, dns.RcodeBadTime,
	// or 0.
	TSIGError uint16
	// Reason says why, for the log.
	Reason string
	// Peer names what let the request in, as a bounded metric label: "key:NAME" for an
	// accepted TSIG key, "cidr:PREFIX" for an allowed source; "" when refused.
	Peer string
}

// Allowed reports whether the transfer may go ahead.
func (d Decision) Allowed() bool { return d.Rcode == dns.RcodeSuccess }

// Check decides a transfer request from remote, signed with key tsigKey ("" for
// unsigned) whose verification by the server gave tsigStatus (nil: valid).
// The rules, PowerDNS's with RFC 8945's errors:
//   - a TSIG that failed verification gets NOTAUTH and BADKEY (unknown key or
//     algorithm), BADTIME or BADSIG, whatever the source;
//   - a valid TSIG with an accepted key is allowed from any source;
//   - otherwise a source in Allow is allowed (signed with another key or not);
//   - a signed request from elsewhere gets NOTAUTH and BADKEY: its key does
//     not give access to this zone;
//   - an unsigned request from elsewhere gets NOTAUTH when the zone accepts
//     keys (a key is what it lacks), else REFUSED.
func (p Policy) Check(remote netip.Addr, tsigKey string, tsigStatus error) Decision {
	remote = remote.Unmap().WithZone("")
	switch {
	case tsigKey != "" && tsigStatus != nil:
		return Decision{Rcode: dns.RcodeNotAuth, TSIGError: TSIGError(tsigStatus), Reason: "TSIG " + tsigKey + ": " + tsigStatus.Error()}
	case tsigKey != "" && slices.Contains(p.Keys, dns.CanonicalName(tsigKey)):
		return Decision{Rcode: dns.RcodeSuccess, Reason: "key " + tsigKey, Peer: "key:" + dns.CanonicalName(tsigKey)}
	}
	if pfx, ok := p.allowing(remote); ok {
		return Decision{Rcode: dns.RcodeSuccess, Reason: "source allowed", Peer: "cidr:" + pfx.String()}
	}
	switch {
	case tsigKey != "":
		return Decision{Rcode: dns.RcodeNotAuth, TSIGError: dns.RcodeBadKey, Reason: "key " + tsigKey + " not accepted for the zone"}
	case len(p.Keys) > 0:
		return Decision{Rcode: dns.RcodeNotAuth, Reason: "TSIG required"}
	}
	return Decision{Rcode: dns.RcodeRefused, Reason: "source not allowed"}
}

// allowing returns the first Allow prefix holding a.
func (p Policy) allowing(a netip.Addr) (netip.Prefix, bool) {
	for _, pfx := range p.Allow {
		if pfx.Contains(a) {
			return pfx, true
		}
	}
	return netip.Prefix{}, false
}

// TSIGError maps the server's verification error (dns.ResponseWriter's
// TsigStatus) to the TSIG error of RFC 8945 5.2: an unknown key or
// algorithm is BADKEY, a time outside the fudge BADTIME, any other failure
// BADSIG.
func TSIGError(status error) uint16 {
	switch {
	case status == nil:
		return dns.RcodeSuccess
	case errors.Is(status, dns.ErrSecret), errors.Is(status, dns.ErrKeyAlg):
		return dns.RcodeBadKey
	case errors.Is(status, dns.ErrTime):
		return dns.RcodeBadTime
	}
	return dns.RcodeBadSig
}

package rrtypes

import (
	"errors"
	"fmt"

	"github.com/miekg/dns"
)

// maxName is the longest a name can be in wire format (RFC 1035, 3.1).
const maxName = 255

var (
	errBadName   = errors.New("bad target name")
	errLabel     = errors.New("compression pointer or extended label in target name")
	errTruncated = errors.New("truncated rdata")
)

// parseName validates a target from a zone file and returns it in the form
// unpackName gives for the same wire octets, so the text and the wire round
// trips agree (\097 becomes a, a\.b stays escaped).
func parseName(s string) (string, error) {
	// PrivateRdata.Parse gets tokens, not the origin, so "host" can't be made
	// "host.example.org." here; refusing it beats serving "host.".
	if !dns.IsFqdn(s) {
		return "", fmt.Errorf("target %q must be fully qualified, with a trailing dot: private RR types are parsed without $ORIGIN", s)
	}
	if _, ok := dns.IsDomainName(s); !ok {
		return "", fmt.Errorf("%w %q", errBadName, s)
	}
	// miekg/dns takes \256 as \000; unescape is strict about escapes.
	if _, err := unescape(s); err != nil {
		return "", fmt.Errorf("%w %q: %v", errBadName, s, err)
	}
	var buf [maxName]byte
	n, err := dns.PackDomainName(s, buf[:], 0, nil, false)
	if err != nil {
		return "", fmt.Errorf("%w %q: %v", errBadName, s, err)
	}
	name, _, err := dns.UnpackDomainName(buf[:n], 0)
	if err != nil {
		return "", fmt.Errorf("%w %q: %v", errBadName, s, err)
	}
	return name, nil
}

// packName writes name uncompressed: the rdata of private types must be
// readable by software that knows nothing about them (RFC 3597, 4), and
// PowerDNS writes ALIAS this way.
func packName(name string, buf []byte, off int) (int, error) {
	return dns.PackDomainName(name, buf, off, nil, false)
}

// unpackName reads an uncompressed name from buf at off. Compression pointers
// are refused: they are not allowed here, and buf does not start at the
// beginning of the message, so they could not be followed anyway.
func unpackName(buf []byte, off int) (string, int, error) {
	end := off
	for {
		if end >= len(buf) {
			return "", len(buf), errTruncated
		}
		c := int(buf[end])
		if c&0xC0 != 0 {
			return "", len(buf), errLabel
		}
		end += c + 1
		if c == 0 {
			break
		}
	}
	if end-off > maxName {
		return "", len(buf), errBadName
	}
	name, end, err := dns.UnpackDomainName(buf[:end], off)
	if err != nil {
		return "", len(buf), errBadName
	}
	return name, end, nil
}

// nameLen returns the length of name in wire format.
func nameLen(name string) int {
	var buf [maxName]byte
	n, err := dns.PackDomainName(name, buf[:], 0, nil, false)
	if err != nil {
		// Pack fails too, so any answer will do.
		return len(name) + 1
	}
	return n
}

// qualify makes name fully qualified, but leaves the empty name, which stands
// for no rdata, alone.
func qualify(name string) string {
	if name == "" {
		return ""
	}
	return dns.Fqdn(name)
}

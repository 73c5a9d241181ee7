package sqlsign

import (
	"context"
	"strings"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/signsource"
)

// zoneOf returns the zone whose keys sign set, nil when none of ours does.
// The owner's zone, except on the parent's side of a zone cut we also
// serve: a DS RRset (RFC 4035 2.4), and the NSEC of a delegation point,
// told from the child's apex NSEC by the SOA bit of its type bitmap (RFC
// 4035 2.3: the apex NSEC lists SOA, a delegation's never does).
func (s *SQLSign) zoneOf(ctx context.Context, set []dns.RR) signsource.Zone {
	name := set[0].Header().Name
	if plugin.Zones(s.zones).Matches(name) == "" {
		return nil
	}
	z := s.signingZone(ctx, name)
	if z == nil || !strings.EqualFold(z.Origin(), name) {
		return z
	}
	switch rr := set[0].(type) {
	case *dns.DS:
	case *dns.NSEC:
		if hasType(rr.TypeBitMap, dns.TypeSOA) {
			return z
		}
	default:
		return z
	}
	parent, ok := parentName(name)
	if !ok || plugin.Zones(s.zones).Matches(parent) == "" {
		return nil
	}
	return s.signingZone(ctx, parent)
}

// signingZone asks every Source of the block and keeps the longest match.
func (s *SQLSign) signingZone(ctx context.Context, name string) signsource.Zone {
	var best signsource.Zone
	for _, src := range s.sources {
		z := src.SigningZone(ctx, name)
		if z != nil && (best == nil || len(z.Origin()) > len(best.Origin())) {
			best = z
		}
	}
	return best
}

// parentName returns the name one label up; false for the root.
func parentName(name string) (string, bool) {
	if name == "." {
		return "", false
	}
	off, end := dns.NextLabel(name, 0)
	if end {
		return ".", true
	}
	return name[off:], true
}

func hasType(bitmap []uint16, t uint16) bool {
	for _, b := range bitmap {
		if b == t {
			return true
		}
	}
	return false
}

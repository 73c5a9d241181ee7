package journal

import (
	"context"
	"errors"

	"github.com/miekg/dns"
)

// Version is one fed version of a zone.
type Version struct {
	Serial uint32
	// RRs holds the SOA first, carrying Serial, then every other record once, in
	// canonical order (see Compare); no trailing SOA.
	RRs []dns.RR

	keys []string // the sort keys of RRs[1:]
}

// SOA returns the version's SOA record.
func (v *Version) SOA() *dns.SOA { return v.RRs[0].(*dns.SOA) }

// Store keeps the versions and the journal of each zone.
type Store interface {
	// Current returns the zone's current version: nil, nil when there is none.
	Current(ctx context.Context, zone string) (*Version, error)
	// Publish makes rrs (any order, one SOA among them) the zone's content. If it equals
	// the current content (the SOA's serial aside) nothing changes and the current version
	// is returned with changed false. Otherwise the new version gets its serial by
	// NextSerial and the difference is journaled. On Redis it is atomic across nodes.
	Publish(ctx context.Context, zone string, rrs []dns.RR) (v *Version, changed bool, err error)
	// Since returns what changed from the version with the given serial to the current
	// one, condensed (RFC 1995 3: a record deleted then added again appears in neither
	// list). del starts with the SOA of that version and add with the current SOA, the
	// rest in canonical order. When serial is current, del and add are empty and ok is
	// true; ok is false when the journal does not reach back to serial.
	Since(ctx context.Context, zone string, serial uint32) (del, add []dns.RR, ok bool, err error)
	// Bytes returns the size of the zone's journal, in wire bytes of its records.
	Bytes(ctx context.Context, zone string) (int, error)
	// Forget removes the zone's versions and journal.
	Forget(ctx context.Context, zone string) error
}

// Options bound each zone's journal: the oldest differences are dropped once there are
// more than Versions of them or they take more than Bytes (wire size of their records).
// Zero means the default.
type Options struct {
	Versions int
	Bytes    int
}

// Defaults of Options.
const (
	DefaultVersions = 100
	DefaultBytes    = 4 << 20
)

func (o Options) withDefaults() Options {
	if o.Versions <= 0 {
		o.Versions = DefaultVersions
	}
	if o.Bytes <= 0 {
		o.Bytes = DefaultBytes
	}
	return o
}

// ErrNoSOA is returned by Publish for content without exactly one SOA record.
var ErrNoSOA = errors.New("zone content needs exactly one SOA record")

// newVersion builds the version of normalized content with serial.
func newVersion(soa *dns.SOA, rest []keyed, serial uint32) *Version {
	s := dns.Copy(soa).(*dns.SOA)
	s.Serial = serial
	v := &Version{Serial: serial, RRs: make([]dns.RR, 0, len(rest)+1), keys: make([]string, len(rest))}
	v.RRs = append(v.RRs, s)
	for i, k := range rest {
		v.RRs = append(v.RRs, k.rr)
		v.keys[i] = k.key
	}
	return v
}

// sameContent reports whether v holds soa (serial aside) and rest.
func sameContent(v *Version, soa *dns.SOA, rest []keyed) bool {
	if v == nil || len(v.keys) != len(rest) {
		return false
	}
	s := dns.Copy(soa).(*dns.SOA)
	s.Serial = v.Serial
	if !dns.IsDuplicate(s, v.RRs[0]) || s.Hdr.Ttl != v.RRs[0].Header().Ttl {
		return false
	}
	for i, k := range rest {
		if k.key != v.keys[i] {
			return false
		}
	}
	return true
}

// Package catalog builds an RFC 9432 (version 2) catalog zone listing the zones
// secondaryfeed feeds, so secondaries that support catalogs (BIND 9.18, Knot 3.2) add and
// remove member zones by themselves.
//
// The zone, in this order: the SOA (from a template), NS invalid. at the apex (RFC 9432,
// 4.1: the catalog is not meant to be queried), version.CATALOG TXT "2" (4.2.1), and one
// ID.zones.CATALOG PTR MEMBER per member zone (4.2.2), sorted by ID. Records other than
// the SOA have TTL 0, as in the RFC's examples: their TTL has no meaning.
//
// Member IDs are the SHA-1 of the member's name, lower-cased, in wire format, in hex: the
// rule BIND's original catalog zones (version 1) required and BIND's documentation still
// uses. An ID computed from the name needs no state, so every node builds the same
// catalog, a rebuild never renames a member (a rename tells consumers to reset the zone,
// RFC 9432 5.4), and a catalog another producer built by that rule keeps its IDs. Two
// names with the same ID would need a SHA-1 collision of domain names; Zone refuses that
// catalog rather than list one of them under the other's ID.
package catalog

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Version is the catalog schema version Zone writes.
const Version = "2"

// Zone returns the records of catalog zone name listing zones, SOA first. soa is the
// template of the SOA record: its owner is set to name, empty Ns and Mbox become
// "invalid." and zero timers get the defaults of DefaultSOA. Names are compared without
// case; a zone listed twice is listed once, and name itself is not listed. An invalid
// name (catalog or member) is an error and no records are returned.
func Zone(name string, zones []string, soa dns.SOA) ([]dns.RR, error) {
	name, err := canonical(name)
	if err != nil {
		return nil, fmt.Errorf("catalog zone: %w", err)
	}
	if checkName(strings.Repeat("0", 40)+".zones."+name) != nil {
		return nil, fmt.Errorf("catalog zone %s: name too long for member records", name)
	}
	apex, err := apexSOA(name, soa)
	if err != nil {
		return nil, err
	}
	members, err := memberNames(name, zones)
	if err != nil {
		return nil, err
	}
	rrs := []dns.RR{
		apex,
		&dns.NS{Hdr: hdr(name, dns.TypeNS), Ns: "invalid."},
		&dns.TXT{Hdr: hdr("version."+name, dns.TypeTXT), Txt: []string{Version}},
	}
	zonesName := "zones." + name
	for _, m := range members {
		rrs = append(rrs, &dns.PTR{Hdr: hdr(m.id+"."+zonesName, dns.TypePTR), Ptr: m.name})
	}
	return rrs, nil
}

type member struct{ id, name string }

// memberNames returns the members, checked, once each, sorted by ID.
func memberNames(catalog string, zones []string) ([]member, error) {
	seen := map[string]bool{catalog: true}
	var ms []member
	var bad []string
	for _, z := range zones {
		z, err := canonical(z)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		if seen[z] {
			continue
		}
		seen[z] = true
		ms = append(ms, member{id: ID(z), name: z})
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("catalog zone %s: %s", catalog, strings.Join(bad, "; "))
	}
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.id, b.id) })
	for i := 1; i < len(ms); i++ {
		if ms[i].id == ms[i-1].id {
			return nil, fmt.Errorf("catalog zone %s: %s and %s have the same member ID", catalog, ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// ID returns the member ID of zone: hex SHA-1 of its lower-cased wire-format name.
func ID(zone string) string {
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(dns.CanonicalName(zone), buf, 0, nil, false)
	if err != nil {
		n = copy(buf, dns.CanonicalName(zone)) // not reached for a name checkName accepts
	}
	sum := sha1.Sum(buf[:n])
	return hex.EncodeToString(sum[:])
}

var errEmpty = errors.New("empty zone name")

// canonical returns s lower-cased and fully qualified, if that is a valid name. It checks
// after lower-casing: strings.ToLower turns a byte that is not UTF-8 into three.
func canonical(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errEmpty
	}
	c := dns.CanonicalName(s)
	if err := checkName(c); err != nil {
		return "", fmt.Errorf("bad zone name %q", s)
	}
	return c, nil
}

// checkName accepts a fully qualified domain name that packs (length, labels, escapes).
func checkName(s string) error {
	if strings.TrimSpace(s) == "" {
		return errEmpty
	}
	if _, ok := dns.IsDomainName(s); !ok || !dns.IsFqdn(s) {
		return fmt.Errorf("bad name %q", s)
	}
	buf := make([]byte, 256)
	if _, err := dns.PackDomainName(s, buf, 0, nil, false); err != nil {
		return fmt.Errorf("bad name %q: %v", s, err)
	}
	return nil
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET}
}

package harness

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// PDNSKey is one line of pdnsutil list-keys.
type PDNSKey struct {
	Zone      string // as printed, without the trailing dot
	Type      string // KSK, ZSK or CSK
	Active    bool
	Published bool
	Algorithm string // e.g. ECDSAP256SHA256
	ID        int    // cryptokeys.id
	Tag       uint16 // the DNSKEY's key tag
}

// ParseDSLines reads DS records, one a line, as pdnsutil export-zone-ds and show-zone print
// them ("example.org. IN DS 37154 13 2 ba7b... ; ( SHA256 digest )"). Blank lines are
// skipped; any other line that is not a DS is an error.
func ParseDSLines(text string) ([]*dns.DS, error) {
	var out []*dns.DS
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, ";")
		if strings.TrimSpace(line) == "" {
			continue
		}
		rr, err := dns.NewRR(line)
		if err != nil {
			return nil, fmt.Errorf("line %q: %w", line, err)
		}
		ds, ok := rr.(*dns.DS)
		if !ok {
			return nil, fmt.Errorf("line %q: not a DS record", line)
		}
		out = append(out, ds)
	}
	return out, nil
}

// ParseKeyList reads the table pdnsutil list-keys prints:
//
//	Zone                          Type Act Pub Size    Algorithm       ID   Location    Keytag
//	------------------------------------------------------------------------------------------
//	example.org                   CSK  Act Pub 256     ECDSAP256SHA256 1    cryptokeys  37154
//	example.org                   ZSK          256     ED25519         2    cryptokeys  2504
//
// Act and Pub are left blank for an inactive or unpublished key, so a line is read from
// both ends: zone and type first, algorithm, id, location and tag last.
func ParseKeyList(text string) ([]PDNSKey, error) {
	var out []PDNSKey
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == "Zone" || strings.HasPrefix(f[0], "---") {
			continue
		}
		if len(f) < 7 || len(f) > 9 {
			return nil, fmt.Errorf("line %q: %d fields, want 7 to 9", line, len(f))
		}
		k := PDNSKey{Zone: f[0], Type: f[1], Algorithm: f[len(f)-4]}
		for _, flag := range f[2 : len(f)-5] {
			switch flag {
			case "Act":
				k.Active = true
			case "Pub":
				k.Published = true
			default:
				return nil, fmt.Errorf("line %q: unknown flag %q", line, flag)
			}
		}
		if _, err := strconv.Atoi(f[len(f)-5]); err != nil {
			return nil, fmt.Errorf("line %q: size %q: %w", line, f[len(f)-5], err)
		}
		id, err := strconv.Atoi(f[len(f)-3])
		if err != nil {
			return nil, fmt.Errorf("line %q: id %q: %w", line, f[len(f)-3], err)
		}
		tag, err := strconv.ParseUint(f[len(f)-1], 10, 16)
		if err != nil {
			return nil, fmt.Errorf("line %q: key tag %q: %w", line, f[len(f)-1], err)
		}
		k.ID, k.Tag = id, uint16(tag)
		out = append(out, k)
	}
	return out, nil
}

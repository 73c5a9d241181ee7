package chainlookup

import "strings"

// Matches is plugin.Zones.Matches for the hot path: the longest of zones that name is
// in, or "". It does not allocate (dns.IsSubDomain splits both names into labels), which
// matters because alias and pool run it on every query, plain ones included. zones and
// name must be fully qualified.
func Matches(zones []string, name string) string {
	best := ""
	for _, z := range zones {
		if len(z) > len(best) && InZone(z, name) {
			best = z
		}
	}
	return best
}

// InZone reports whether name is zone or below it, ignoring ASCII case. Both must be
// fully qualified, in presentation format (escapes such as \. are understood).
func InZone(zone, name string) bool {
	if zone == "." {
		return true
	}
	if len(name) < len(zone) || !strings.EqualFold(name[len(name)-len(zone):], zone) {
		return false
	}
	if len(name) == len(zone) {
		return true
	}
	// The zone must start a label: an unescaped dot right before it.
	i := len(name) - len(zone) - 1
	if name[i] != '.' {
		return false
	}
	backslashes := 0
	for j := i - 1; j >= 0 && name[j] == '\\'; j-- {
		backslashes++
	}
	return backslashes%2 == 0
}

// Zones is a set of zones to match query names against on the hot path. Few zones are
// compared one by one (Matches); many, as in a server block of a thousand zones, are found
// by looking each suffix of the name up in a map: O(labels), whatever the number of zones.
type Zones struct {
	list []string
	set  map[string]struct{} // lower case; nil for short lists
}

// linearMax is the size up to which comparing every zone beats hashing every suffix.
const linearMax = 8

// NewZones returns the set of zones, which must be fully qualified.
func NewZones(zones []string) *Zones {
	z := &Zones{list: zones}
	if len(zones) > linearMax {
		z.set = make(map[string]struct{}, len(zones))
		for _, s := range zones {
			z.set[strings.ToLower(s)] = struct{}{}
		}
	}
	return z
}

// Names returns the zones.
func (z *Zones) Names() []string { return z.list }

// Match returns the longest zone that name is in, or "".
func (z *Zones) Match(name string) string {
	if z.set == nil {
		return Matches(z.list, name)
	}
	lower := strings.ToLower(name) // allocates only when name has upper case
	for off := 0; off < len(lower); {
		if _, ok := z.set[lower[off:]]; ok {
			return lower[off:]
		}
		// Next label: skip to after the next unescaped dot.
		i := off
		for i < len(lower) && lower[i] != '.' {
			if lower[i] == '\\' {
				i++
			}
			i++
		}
		off = i + 1
	}
	if _, ok := z.set["."]; ok {
		return "."
	}
	return ""
}

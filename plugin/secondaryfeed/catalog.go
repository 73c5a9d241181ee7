package secondaryfeed

import (
	"slices"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/catalog"
)

// catalogSOA is the template of the catalog zone's SOA. Its serial is the first one; the
// journal moves it when the member list changes.
var catalogSOA = func() dns.SOA {
	s := catalog.DefaultSOA
	s.Serial = 1
	s.Hdr.Ttl = 3600
	return s
}()

// addCatalog adds the catalog zone name (RFC 9432, version 2) to f's zones: its members
// are every other fed zone. It is built, journaled, served and NOTIFYed like them, so
// secondaries follow it by IXFR.
func (f *Feed) addCatalog(name string) {
	name = dns.CanonicalName(name)
	z := newZone(name)
	z.static = func() ([]dns.RR, error) { return catalog.Zone(name, f.built(), catalogSOA) }
	f.replaceZones([]*zone{z}, nil)
	f.catalog = name
}

// members returns the fed zones but the catalog, sorted.
func (f *Feed) members() []string {
	var out []string
	for n := range *f.zones.Load() {
		if n != f.catalog {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// built returns the fed zones but the catalog that have a version to serve, sorted: the
// catalog lists a zone only once it can be transferred, so a secondary that reads a new
// member at once (BIND, Knot) does not get a failed first transfer and back off.
func (f *Feed) built() []string {
	var out []string
	for n, z := range *f.zones.Load() {
		if n != f.catalog && z.cur.Load() != nil {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// membersChanged rebuilds the catalog zone, if there is one, after zones came or went.
func (f *Feed) membersChanged() {
	if z := f.zone(f.catalog); f.catalog != "" && z != nil {
		select {
		case z.trigger <- struct{}{}:
		default:
		}
	}
}

package storeshape

import (
	"context"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
)

// engineStore holds the zones as sqlbackend does today: zone.Zone versions,
// records as dns.RR objects.
type engineStore struct {
	byName map[string]zoneRef
	zones  []*zone.Zone
}

func newEngineStore(n int) *engineStore {
	s := &engineStore{byName: make(map[string]zoneRef, n), zones: make([]*zone.Zone, 0, n)}
	for i := 1; i <= n; i++ {
		b := zone.NewBuilder(zoneName(i))
		for _, rr := range zoneRecords(i) {
			if _, err := b.Add(rr); err != nil {
				panic(err)
			}
		}
		z, err := b.Zone()
		if err != nil {
			panic(err)
		}
		s.byName[z.Origin()] = zoneRef(len(s.zones))
		s.zones = append(s.zones, z)
	}
	return s
}

func (s *engineStore) find(qname string) (zoneRef, bool) { return longest(s.byName, qname) }

func (s *engineStore) answer(z zoneRef, qname string, qtype uint16, m *dns.Msg) {
	a := s.zones[z].Lookup(context.Background(), zone.Query{Name: qname, Type: qtype}, nil)
	m.Answer, m.Ns, m.Extra = a.Answer, a.Ns, a.Extra
	if a.Result == zone.NameError {
		m.Rcode = dns.RcodeNameError
	}
}

// longest returns the zone of byName that is the longest match for qname,
// walking its labels as zoneset does.
func longest(byName map[string]zoneRef, qname string) (zoneRef, bool) {
	for off, end := 0, false; !end; off, end = dns.NextLabel(qname, off) {
		if z, ok := byName[qname[off:]]; ok {
			return z, true
		}
	}
	return 0, false
}

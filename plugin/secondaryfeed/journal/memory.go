package journal

import (
	"context"
	"sync"

	"github.com/miekg/dns"
)

// Memory is a Store held in this process: it forgets everything on restart.
type Memory struct {
	opt   Options
	mu    sync.Mutex
	zones map[string]*memZone
}

type memZone struct {
	cur     *Version
	entries []entry
	sizes   []int
}

// NewMemory returns an empty Memory store bounded by opt.
func NewMemory(opt Options) *Memory {
	return &Memory{opt: opt.withDefaults(), zones: map[string]*memZone{}}
}

// Current implements Store.
func (m *Memory) Current(_ context.Context, zone string) (*Version, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if z := m.zones[dns.CanonicalName(zone)]; z != nil {
		return z.cur, nil
	}
	return nil, nil
}

// Publish implements Store.
func (m *Memory) Publish(_ context.Context, zone string, rrs []dns.RR) (*Version, bool, error) {
	soa, rest, err := normalize(rrs)
	if err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	zone = dns.CanonicalName(zone)
	z := m.zones[zone]
	if z == nil {
		z = &memZone{}
		m.zones[zone] = z
	}
	if sameContent(z.cur, soa, rest) {
		return z.cur, false, nil
	}
	var prev uint32
	if z.cur != nil {
		prev = z.cur.Serial
	}
	v := newVersion(soa, rest, NextSerial(prev, z.cur != nil, soa.Serial))
	if z.cur != nil {
		e := diff(z.cur, v)
		z.entries, z.sizes = append(z.entries, e), append(z.sizes, e.size())
		drop := trim(z.sizes, m.opt)
		z.entries, z.sizes = z.entries[drop:], z.sizes[drop:]
	}
	z.cur = v
	return v, true, nil
}

// Since implements Store.
func (m *Memory) Since(_ context.Context, zone string, serial uint32) (del, add []dns.RR, ok bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.zones[dns.CanonicalName(zone)]
	if z == nil || z.cur == nil {
		return nil, nil, false, nil
	}
	if serial == z.cur.Serial {
		return nil, nil, true, nil
	}
	es, found := chain(z.entries, serial)
	if !found {
		return nil, nil, false, nil
	}
	del, add = condense(es)
	return del, add, true, nil
}

// Bytes implements Store.
func (m *Memory) Bytes(_ context.Context, zone string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	if z := m.zones[dns.CanonicalName(zone)]; z != nil {
		for _, s := range z.sizes {
			n += s
		}
	}
	return n, nil
}

// Forget implements Store.
func (m *Memory) Forget(_ context.Context, zone string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.zones, dns.CanonicalName(zone))
	return nil
}

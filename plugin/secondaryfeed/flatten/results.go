package flatten

import (
	"context"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Result is one conversion: the records of one type the chain answered for one name.
type Result struct {
	RRs      []dns.RR
	Resolved time.Time // when the chain was asked
	TTL      uint32    // the smallest TTL of RRs, or of the converted records if RRs is empty
	Source   string    // what it was resolved from (see converter.source)
}

// expires is when r is no longer fresh.
func (r Result) expires() time.Time { return r.Resolved.Add(time.Duration(r.TTL) * time.Second) }

// Key names one stored result within a zone: owner (lower case) and type.
type Key struct {
	Owner string
	Qtype uint16
}

// Results keeps the last good conversions. Zone and owner are lower-cased by the caller.
type Results interface {
	Get(ctx context.Context, zone, owner string, qtype uint16) (Result, bool, error)
	Put(ctx context.Context, zone, owner string, qtype uint16, r Result) error
	// Retain drops the zone's results except those of keep.
	Retain(ctx context.Context, zone string, keep []Key) error
	// Forget drops every result of zone (a zone that is no longer fed).
	Forget(ctx context.Context, zone string) error
}

// Memory is a Results in this process's memory: a restart loses it.
type Memory struct {
	mu    sync.Mutex
	zones map[string]map[Key]Result
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{zones: map[string]map[Key]Result{}} }

// Get implements Results.
func (m *Memory) Get(_ context.Context, zone, owner string, qtype uint16) (Result, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.zones[zone][Key{owner, qtype}]
	r.RRs = copyRRs(r.RRs)
	return r, ok, nil
}

// Put implements Results.
func (m *Memory) Put(_ context.Context, zone, owner string, qtype uint16, r Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.zones[zone]
	if z == nil {
		z = map[Key]Result{}
		m.zones[zone] = z
	}
	r.RRs = copyRRs(r.RRs)
	z[Key{owner, qtype}] = r
	return nil
}

// Retain implements Results.
func (m *Memory) Retain(_ context.Context, zone string, keep []Key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := map[Key]Result{}
	for _, k := range keep {
		if r, ok := m.zones[zone][k]; ok {
			kept[k] = r
		}
	}
	if len(kept) == 0 {
		delete(m.zones, zone)
		return nil
	}
	m.zones[zone] = kept
	return nil
}

// Forget implements Results.
func (m *Memory) Forget(_ context.Context, zone string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.zones, zone)
	return nil
}

// copyRRs copies rrs, so that what the caller does with its records does not change the
// stored ones.
func copyRRs(rrs []dns.RR) []dns.RR {
	if rrs == nil {
		return nil
	}
	c := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		c[i] = dns.Copy(rr)
	}
	return c
}

package chainlookup

import (
	"sync"
	"time"
)

// MemoKey identifies one question as the data plugins see it: the name as asked (case
// kept, a wildcard answer carries it), the type, and the DO bit (a signed zone answers
// differently with it).
type MemoKey struct {
	Name  string
	Qtype uint16
	Do    bool
}

// Memo remembers, for a short while, what alias and pool learnt from the chain below
// about a name, so that a busy ALIAS or POOL name is not looked up in the data plugin two or
// three times on every query. The window is short (a second by default) because the data
// can change under it: it bounds how long a change to an ALIAS or POOL name takes to show.
// A nil *Memo remembers nothing.
type Memo[V any] struct {
	mu       sync.RWMutex
	m        map[MemoKey]memoEntry[V]
	window   time.Duration
	capacity int
}

type memoEntry[V any] struct {
	v       V
	expires time.Time
}

// NewMemo returns a memo that keeps at most capacity entries for at most window each, or
// nil (remember nothing) when window is 0.
func NewMemo[V any](window time.Duration, capacity int) *Memo[V] {
	if window <= 0 || capacity <= 0 {
		return nil
	}
	return &Memo[V]{m: make(map[MemoKey]memoEntry[V]), window: window, capacity: capacity}
}

// Get returns the value remembered for k, if it has not expired at now.
func (m *Memo[V]) Get(k MemoKey, now time.Time) (V, bool) {
	var zero V
	if m == nil {
		return zero, false
	}
	m.mu.RLock()
	e, ok := m.m[k]
	m.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return zero, false
	}
	return e.v, true
}

// Set remembers v for k from now for the memo's window, or for ttl if that is shorter (an
// answer must not outlive its own TTL); a ttl of 0 remembers nothing.
func (m *Memo[V]) Set(k MemoKey, v V, now time.Time, ttl time.Duration) {
	if m == nil || ttl <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.m[k]; !ok && len(m.m) >= m.capacity {
		m.evict(now)
	}
	m.m[k] = memoEntry[V]{v: v, expires: now.Add(min(ttl, m.window))}
}

// evict makes room: every expired entry among the first few (map order is random), or one
// arbitrary entry if none has expired.
func (m *Memo[V]) evict(now time.Time) {
	n := 0
	var any MemoKey
	for k, e := range m.m {
		any = k
		if !now.Before(e.expires) {
			delete(m.m, k)
		}
		if n++; n >= 16 {
			break
		}
	}
	if len(m.m) >= m.capacity {
		delete(m.m, any)
	}
}

// Len returns the number of entries, expired ones included.
func (m *Memo[V]) Len() int {
	if m == nil {
		return 0
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.m)
}

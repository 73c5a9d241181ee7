package inspect

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// ErrBadQuery is wrapped by every error Top returns.
var ErrBadQuery = errors.New("bad inspection query")

// Top merges the window's buckets into one top-N list for q. Counts are upper bounds; Count
// minus Error is a lower bound (mergeable summaries, Agarwal et al. 2012).
func (i *Inspector) Top(q Query) (Top, error) {
	if err := i.check(q); err != nil {
		return Top{}, err
	}
	n, span := i.window(q.Window)
	i.mu.Lock()
	defer i.mu.Unlock()
	bs := i.inWindow(n)
	t := Top{Dimension: q.Dimension, Labels: q.Labels, Window: span}
	switch q.Dimension {
	case Names:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[string] { return b.names[q.Labels] }, stringKey, strings.Compare)
	case NXDomainNames:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[string] { return b.nxNames[q.Labels] }, stringKey, strings.Compare)
	case ServfailNames:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[string] { return b.sfNames[q.Labels] }, stringKey, strings.Compare)
	case Clients:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[netip.Addr] { return b.clients }, addrKey, netip.Addr.Compare)
	case Clients24:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[netip.Prefix] { return b.clients24 }, prefixKey, comparePrefix)
	case Clients56:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[netip.Prefix] { return b.clients56 }, prefixKey, comparePrefix)
	case Rcodes:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[int] { return b.rcodes }, rcodeKey, cmp.Compare[int])
	case QTypes:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[uint16] { return b.qtypes }, qtypeKey, cmp.Compare[uint16])
	case ClientBytes:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[netip.Addr] { return b.clientBytes }, addrKey, netip.Addr.Compare)
	case ClientNXDomain:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[netip.Addr] { return b.clientNX }, addrKey, netip.Addr.Compare)
	case ClientServfail:
		t.Total, t.Entries = topOf(bs, q.N, func(b *bucket) *summary[netip.Addr] { return b.clientSF }, addrKey, netip.Addr.Compare)
	}
	return t, nil
}

// check says what is wrong with q, naming the field.
func (i *Inspector) check(q Query) error {
	grouped := false
	switch q.Dimension {
	case Names, NXDomainNames, ServfailNames:
		grouped = true
	case Clients, Clients24, Clients56, Rcodes, QTypes, ClientBytes, ClientNXDomain, ClientServfail:
	default:
		return fmt.Errorf("%w: unknown dimension %q", ErrBadQuery, q.Dimension)
	}
	if q.N < 1 || q.N > i.cfg.Capacity {
		return fmt.Errorf("%w: n %d not in 1..%d", ErrBadQuery, q.N, i.cfg.Capacity)
	}
	if q.Labels < 0 || q.Labels > i.cfg.GroupLabels {
		return fmt.Errorf("%w: labels %d not in 0..%d", ErrBadQuery, q.Labels, i.cfg.GroupLabels)
	}
	if q.Labels != 0 && !grouped {
		return fmt.Errorf("%w: labels apply to names only, not %q", ErrBadQuery, q.Dimension)
	}
	if q.Window < 0 || q.Window > i.cfg.Window {
		return fmt.Errorf("%w: window %s not in 0..%s", ErrBadQuery, q.Window, i.cfg.Window)
	}
	return nil
}

// Rates are the window's queries, answers and drops per second. A window of 0 or beyond the
// configured one means the configured one.
func (i *Inspector) Rates(window time.Duration) Rates {
	n, span := i.window(window)
	i.mu.Lock()
	defer i.mu.Unlock()
	i.takeUnsampled()
	r := Rates{Window: span}
	var queries, answers, dropped uint64
	for _, b := range i.inWindow(n) {
		queries += b.queries
		answers += b.answers
		dropped += b.dropped
		r.UnsampledInWindow += b.unsampled
	}
	secs := span.Seconds()
	r.QueriesPerSecond = float64(queries) / secs
	r.AnswersPerSecond = float64(answers) / secs
	r.DroppedPerSecond = float64(dropped) / secs
	return r
}

// merged is one key's sums across buckets.
type merged[K comparable] struct {
	key        K
	count, err uint64
	floors     uint64 // the floors of the full buckets that counted the key
}

// topOf merges one dimension's summaries. A key missing from a full bucket may have occurred
// there up to that bucket's floor times, so the floor is added to its count and its error:
// the count stays an upper bound and Count-Error a lower one. The list is by count, then by
// guaranteed count, then by key (order), so equal counts list the same way every time; only
// the n listed keys are turned into strings.
func topOf[K comparable](bs []*bucket, n int, of func(*bucket) *summary[K], key func(K) string, order func(a, b K) int) (uint64, []Entry) {
	var total, floors uint64
	size := 0
	for _, b := range bs {
		size += len(of(b).slots)
	}
	index := make(map[K]int, size)
	all := make([]merged[K], 0, size)
	for _, b := range bs {
		s := of(b)
		total += s.total
		floor := uint64(0)
		if s.full() {
			floor = s.floor()
			floors += floor
		}
		for _, sl := range s.slots {
			j, ok := index[sl.key]
			if !ok {
				j = len(all)
				index[sl.key] = j
				all = append(all, merged[K]{key: sl.key})
			}
			all[j].count += sl.count
			all[j].err += sl.err
			all[j].floors += floor
		}
	}
	for j := range all {
		missed := floors - all[j].floors
		all[j].count += missed
		all[j].err += missed
	}
	slices.SortFunc(all, func(a, b merged[K]) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		if c := cmp.Compare(b.count-b.err, a.count-a.err); c != 0 {
			return c
		}
		return order(a.key, b.key)
	})
	all = all[:min(n, len(all))]
	entries := make([]Entry, len(all))
	for j, m := range all {
		entries[j] = Entry{Key: key(m.key), Count: m.count, Error: m.err}
	}
	for j := range entries {
		if total > 0 {
			entries[j].Share = float64(entries[j].Count) / float64(total)
		}
	}
	return total, entries
}

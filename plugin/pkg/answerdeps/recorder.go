package answerdeps

import (
	"context"
	"time"
)

// MaxStamps is how many Stamps one answer may depend on; an answer that
// depends on more is not cached (a long CNAME chain over many zones).
const MaxStamps = 8

// Recorder collects what one answer depends on, as the plugins below the cache
// answer it. Its methods may be called on a nil Recorder (no cache above): they
// do nothing. A Recorder is used by one request at a time.
type Recorder struct {
	stamps      [MaxStamps]Stamp
	n           int
	served      bool
	uncacheable bool
	ttl         time.Duration // 0: no limit of its own
}

// Reset makes r empty, for reuse.
func (r *Recorder) Reset() { *r = Recorder{} }

// Depend records that the answer depends on s (a zone set's membership, a
// pool's health), without saying the answer itself came from guarded data.
func (r *Recorder) Depend(s Stamp) {
	if r == nil || s.Dep == 0 {
		return
	}
	for i := 0; i < r.n; i++ {
		if r.stamps[i].Dep == s.Dep {
			if r.stamps[i].Epoch != s.Epoch {
				r.uncacheable = true // it changed while we answered
			}
			return
		}
	}
	if r.n == MaxStamps {
		r.uncacheable = true
		return
	}
	r.stamps[r.n] = s
	r.n++
}

// Serve records that the answer was made from data guarded by s: only answers
// that some plugin Served are cached.
func (r *Recorder) Serve(s Stamp) {
	if r == nil {
		return
	}
	r.served = true
	r.Depend(s)
}

// Uncacheable marks the answer as one that must not be cached: it varies with
// something the cache's key does not hold (the client, the time, chance).
func (r *Recorder) Uncacheable() {
	if r != nil {
		r.uncacheable = true
	}
}

// Expire limits how long the answer may be cached: records from elsewhere
// (an ALIAS target's addresses, a CNAME chain leaving our zones) or signatures
// that will be refreshed.
func (r *Recorder) Expire(d time.Duration) {
	if r == nil {
		return
	}
	if d <= 0 {
		r.uncacheable = true
		return
	}
	if r.ttl == 0 || d < r.ttl {
		r.ttl = d
	}
}

// Cacheable reports whether the answer may be cached: some plugin served it
// from guarded data and none marked it uncacheable.
func (r *Recorder) Cacheable() bool { return r != nil && r.served && !r.uncacheable }

// Stamps returns what the answer depends on.
func (r *Recorder) Stamps() []Stamp { return r.stamps[:r.n] }

// TTL returns the limit set by Expire; 0 is none.
func (r *Recorder) TTL() time.Duration { return r.ttl }

type ctxKey struct{}

// With returns ctx carrying r.
func With(ctx context.Context, r *Recorder) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// From returns the Recorder of ctx, nil when no cache is above.
func From(ctx context.Context) *Recorder {
	r, _ := ctx.Value(ctxKey{}).(*Recorder)
	return r
}

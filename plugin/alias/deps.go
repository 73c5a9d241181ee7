package alias

import (
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
)

// An answer cache above (plugin/answercache) keeps an answer only while the data it came
// from is unchanged (answerdeps). A memo entry remembers the stamps of the answer it was
// made from, so that an answer made from the memo can say the same, and so that the memo
// is dropped as soon as that data changes rather than at the end of its window.

// memoDeps is what a memo entry was made from: the stamps of its answer and how long that
// answer could be cached. Without a cache above, or from an uncacheable answer, it is empty.
type memoDeps struct {
	stamps []answerdeps.Stamp
	until  time.Time
	ok     bool
}

// depsOf takes what rec recorded so far, for a memo entry made at now and good for keep.
func depsOf(rec *answerdeps.Recorder, now time.Time, keep time.Duration) memoDeps {
	if !rec.Cacheable() || keep <= 0 {
		return memoDeps{}
	}
	return memoDeps{stamps: append([]answerdeps.Stamp(nil), rec.Stamps()...), until: now.Add(keep), ok: true}
}

// use reports whether the memo entry may answer a query whose recorder is rec, and tells
// rec what the answer depends on. With no cache above it always may (the memo window
// bounds it, as before). With one, an entry whose data changed may not: the query is
// answered afresh. An entry with no stamps answers, uncacheable.
func (d memoDeps) use(rec *answerdeps.Recorder, now time.Time) bool {
	if rec == nil {
		return true
	}
	if !d.ok {
		rec.Uncacheable()
		return true
	}
	for _, s := range d.stamps {
		if !s.Current() {
			return false
		}
	}
	for _, s := range d.stamps {
		rec.Depend(s)
	}
	rec.Serve(answerdeps.Stamp{})
	rec.Expire(d.until.Sub(now))
	return true
}

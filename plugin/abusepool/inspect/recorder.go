package inspect

import (
	"math/rand/v2"
	"time"
)

// item is what the queue carries: an event and when it was recorded, or a Flush's marker.
type item struct {
	event   Event
	weight  uint64        // how many events it stands for: k of the 1-in-k sample, times RecordWeighted's w
	records uint64        // how many Record calls it stands for: k (what sets the next k)
	at      int64         // unix nanoseconds
	flushed chan struct{} // set for a Flush marker: closed once every earlier item is counted
}

// Record queues e for counting without ever blocking: when the queue is full the event is
// only counted as unsampled. It does not allocate. A full queue is seen before the clock is
// read, so an overwhelmed aggregator makes Record cheaper, not dearer.
func (i *Inspector) Record(e Event) {
	if len(i.queue) == cap(i.queue) {
		i.unsampled.Add(1)
		return
	}
	i.RecordAt(e, i.cfg.Now())
}

// sampled reports whether this event is queued, with probability 1/k, and k. A random draw,
// not every k-th event: traffic that repeats with a period (a client's every tenth query)
// must not always fall between the samples.
func (i *Inspector) sampled() (bool, uint64) {
	k := i.every.Load()
	if k <= 1 {
		return true, 1
	}
	return rand.Uint64N(k) == 0, k
}

// RecordAt is Record for a caller that has read the clock already (the handler does, for the
// rate limiter), saving a second read.
func (i *Inspector) RecordAt(e Event, at time.Time) {
	i.recordAt(e, 1, at)
}

// RecordWeighted is Record for an event that stands for w events: a packet the kernel let
// through as one of a 1-in-w sample of a blocked source's. Rates and counts weigh it w; the
// inspection's own sampling (budget) counts it as one event, which is what it costs.
func (i *Inspector) RecordWeighted(e Event, w uint64) {
	if len(i.queue) == cap(i.queue) {
		i.unsampled.Add(w)
		return
	}
	i.recordAt(e, max(w, 1), i.cfg.Now())
}

func (i *Inspector) recordAt(e Event, w uint64, at time.Time) {
	ok, k := i.sampled()
	if !ok {
		return
	}
	select {
	case i.queue <- item{event: e, weight: k * w, records: k, at: at.UnixNano()}:
	default:
		i.unsampled.Add(k * w)
	}
}

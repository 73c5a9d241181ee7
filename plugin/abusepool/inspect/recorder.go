package inspect

import "time"

// item is what the queue carries: an event and when it was recorded, or a Flush's marker.
type item struct {
	event   Event
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

// RecordAt is Record for a caller that has read the clock already (the handler does, for the
// rate limiter), saving a second read.
func (i *Inspector) RecordAt(e Event, at time.Time) {
	select {
	case i.queue <- item{event: e, at: at.UnixNano()}:
	default:
		i.unsampled.Add(1)
	}
}

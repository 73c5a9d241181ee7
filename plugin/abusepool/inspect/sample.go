package inspect

import "time"

// sampler sets k, the 1-in-k sample Record queues, from the events of the last second: a
// flood costs the aggregator Config.Budget events a second, whatever its rate.
type sampler struct {
	second int64  // the unix second being counted
	events uint64 // Record calls seen in it (the sample's k summed; a weighted event is one call)
}

// seen counts w Record calls at unix nanoseconds at; the first event of a new second sets k from
// the last one. Only the aggregator calls it.
func (s *sampler) seen(at int64, w uint64, i *Inspector) {
	sec := at / int64(time.Second)
	if sec != s.second {
		budget := uint64(i.cfg.Budget)
		k := uint64(1)
		if sec == s.second+1 && s.events > budget {
			k = (s.events + budget - 1) / budget
		}
		i.every.Store(k)
		s.second, s.events = sec, 0
	}
	s.events += w
}

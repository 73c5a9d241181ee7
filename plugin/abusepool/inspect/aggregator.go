package inspect

// batch is how many queued events the aggregator counts per taking of the lock, so queries
// get in between during a flood.
const batch = 256

// Start starts the aggregator goroutine. Starting a running inspector does nothing.
func (i *Inspector) Start() {
	i.runMu.Lock()
	defer i.runMu.Unlock()
	if i.running {
		return
	}
	i.running = true
	i.stop = make(chan struct{})
	i.done = make(chan struct{})
	go i.aggregate(i.stop, i.done)
}

// Stop stops the aggregator and waits for it to end. Events still queued stay queued; Flush
// counts them.
func (i *Inspector) Stop() {
	i.runMu.Lock()
	defer i.runMu.Unlock()
	if !i.running {
		return
	}
	close(i.stop)
	<-i.done
	i.running = false
}

// Flush returns once every event recorded before the call is counted.
func (i *Inspector) Flush() {
	i.runMu.Lock()
	if !i.running {
		// No aggregator: count what is queued here, under runMu so Start waits for it.
		defer i.runMu.Unlock()
		i.mu.Lock()
		defer i.mu.Unlock()
		for {
			select {
			case it := <-i.queue:
				i.count(&it)
			default:
				i.takeUnsampled()
				return
			}
		}
	}
	i.runMu.Unlock()
	// The aggregator runs until Stop, and Stop drains nothing, so a marker sent now is reached
	// unless Stop comes first; then the caller raced Stop and gets what was counted.
	marker := item{flushed: make(chan struct{})}
	select {
	case i.queue <- marker:
	case <-i.doneChan():
		return
	}
	select {
	case <-marker.flushed:
	case <-i.doneChan():
	}
}

func (i *Inspector) doneChan() chan struct{} {
	i.runMu.Lock()
	defer i.runMu.Unlock()
	return i.done
}

// aggregate counts queued events until stop is closed.
func (i *Inspector) aggregate(stop, done chan struct{}) {
	defer close(done)
	for {
		select {
		case <-stop:
			return
		case it := <-i.queue:
			i.mu.Lock()
			i.count(&it)
			for range batch - 1 {
				select {
				case it = <-i.queue:
					i.count(&it)
					continue
				default:
				}
				break
			}
			i.takeUnsampled()
			i.mu.Unlock()
		}
	}
}

// count puts one item in its bucket, rotating the bucket when it held an older slice of time.
// Events older than the window are ignored. Callers hold mu.
func (i *Inspector) count(it *item) {
	if it.flushed != nil {
		close(it.flushed)
		return
	}
	i.sample.seen(it.at, it.records, i)
	if b := i.bucketAt(it.at); b != nil {
		b.add(&it.event, it.weight)
	}
}

// bucketAt is the bucket for unix nanoseconds at, reset if it held another slice; nil when
// at is too old for the window. Callers hold mu.
func (i *Inspector) bucketAt(at int64) *bucket {
	epoch := at / i.width
	b := i.buckets[epoch%int64(len(i.buckets))]
	switch {
	case b.epoch == epoch:
		return b
	case b.epoch > epoch && b.epoch <= i.cfg.Now().UnixNano()/i.width:
		return nil // older than the window
	}
	// A newer slice is replaced, and so is a "newer" one from the future: the clock stepped
	// back, and keeping it would throw away every event until the clock caught up.
	b.reset(epoch)
	return b
}

// takeUnsampled moves the count of events Record dropped into the current bucket. Callers
// hold mu.
func (i *Inspector) takeUnsampled() {
	if n := i.unsampled.Swap(0); n > 0 {
		if b := i.bucketAt(i.cfg.Now().UnixNano()); b != nil {
			b.unsampled += n
		}
	}
}

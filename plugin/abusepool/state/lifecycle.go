package state

import "errors"

// Start runs the expiry loop and, with Redis, the subscription and resync loop. A Redis that
// cannot be reached is no error: the State works per node and keeps trying.
func (s *State) Start() error {
	s.mu.Lock()
	started := s.started
	s.started = true
	s.mu.Unlock()
	if started {
		return errors.New("abusepool state: started twice")
	}
	s.wg.Add(1)
	go s.expiryLoop()
	if s.o.Redis != nil {
		s.redis.start()
	}
	return nil
}

// Stop ends every goroutine Start began and waits for them. The Redis client is the
// caller's, and stays open.
func (s *State) Stop() {
	s.stopOnce.Do(func() {
		close(s.stop)
		s.redis.close()
		s.wg.Wait()
		s.mu.Lock()
		s.countRules(nil)
		s.mu.Unlock()
	})
}

package sqlbackend

import (
	"context"
	"sync/atomic"
)

// Zones signed in PowerDNS (pdnsutil secure-zone puts their keys in the
// cryptokeys table, and PowerDNS signs their answers on the fly) are served
// here unsigned: DNSKEY gets NODATA, answers carry no RRSIG, and a
// validating resolver that has the zone's DS fails every answer. Until
// signing from SQL exists, such zones are found at every full load and at
// every change of a zone, logged as errors and counted
// (signed_zones_unsigned), so that this does not go unnoticed.

// signedWarned is set once reading cryptokeys failed for a reason other than
// a missing table (no grant): said once, not at every change.
var signedWarned atomic.Bool

// loadSigned finds every signed zone, after a full load.
func (s *source) loadSigned(ctx context.Context) {
	var ids map[int64]bool
	if err := timed("keys", func() (err error) { ids, err = s.store.SignedDomains(ctx); return err }); err != nil {
		s.signedFailed(err)
		return
	}
	s.signedMu.Lock()
	defer s.signedMu.Unlock()
	for id := range s.signed {
		if !ids[id] {
			s.unsign(id)
		}
	}
	for id := range ids {
		s.sign(id)
	}
}

// checkSigned looks at the keys of the domains changed, after a poll: one
// query. Keys are not in the change log: a zone secured after its last change
// is found at its next change or the next full load.
func (s *source) checkSigned(ctx context.Context, changed []int64) {
	if len(changed) == 0 {
		return
	}
	var ids map[int64]bool
	if err := timed("keys", func() (err error) { ids, err = s.store.SignedDomains(ctx, changed...); return err }); err != nil {
		s.signedFailed(err)
		return
	}
	s.signedMu.Lock()
	defer s.signedMu.Unlock()
	for _, id := range changed {
		if ids[id] {
			s.sign(id)
		} else {
			s.unsign(id)
		}
	}
}

// sign records that domain id has active keys, if it is served; s.signedMu
// must be held.
func (s *source) sign(id int64) {
	name, ok := s.zones.Served(id)
	if !ok {
		s.unsign(id) // not served (deleted, no SOA): not served unsigned either
		return
	}
	if _, known := s.signed[id]; known {
		return
	}
	s.signed[id] = name
	s.g.signed.Inc()
	log.Errorf("Zone %s has active DNSSEC keys in cryptokeys (signed by PowerDNS) but is served unsigned: "+
		"no DNSKEY, no RRSIG; resolvers that validate it with its DS will fail it", name)
}

// unsignAll forgets every signed zone, taking them out of the gauge.
func (s *source) unsignAll() {
	s.signedMu.Lock()
	defer s.signedMu.Unlock()
	for id := range s.signed {
		s.unsign(id)
	}
}

func (s *source) unsign(id int64) {
	if _, ok := s.signed[id]; ok {
		delete(s.signed, id)
		s.g.signed.Dec()
	}
}

func (s *source) signedFailed(err error) {
	if !signedWarned.Swap(true) {
		log.Warningf("Reading the cryptokeys table failed, signed zones served unsigned are not detected: %v", err)
	}
}

package sqlsign

import (
	"context"
	"encoding/binary"
	"hash/maphash"
	"reflect"
	"slices"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
)

// answerMemo remembers signed answers whole. A popular answer is made of
// records the data plugin keeps: the same records, in the same order, at
// every query. Signing it RRset by RRset finds its zone and its signatures
// again each time; remembered by the records' addresses it costs one
// lookup, and the zone's keys are checked once instead of per RRset.
//
// An entry is used only while the records are the same (pointers, checked
// one by one), the zone still has the very keys (Keyring) that signed it,
// and the signatures' validity window has not moved on. A change to the
// records makes new records (the zone engine never edits one in place); a
// change to keys or DNSSEC metadata makes a new Keyring.
type answerMemo struct{ *clock[signedAnswer] }

type signedAnswer struct {
	answer, ns             []dns.RR // the sections as the chain wrote them
	signedAnswer, signedNs []dns.RR // with their RRSIGs; clipped, so an append copies
	origin                 string
	keys                   *pdnskeys.Keyring
	inception              uint32
	sigs                   int
}

// answerMemoShare is the memo's size relative to the signature cache's: an
// answer holds about two signatures, and the memo only needs the hot set.
const (
	answerMemoShare = 4
	minAnswerMemo   = 1024
)

func newAnswerMemo(cacheSize int) *answerMemo {
	return &answerMemo{newClock[signedAnswer](max(minAnswerMemo, cacheSize/answerMemoShare))}
}

var answerSeed = maphash.MakeSeed()

// answerKey is the memo key of the sections: their records' addresses.
func answerKey(answer, ns []dns.RR) sigKey {
	var h maphash.Hash
	h.SetSeed(answerSeed)
	var p [8]byte
	for _, rr := range answer {
		binary.BigEndian.PutUint64(p[:], uint64(reflect.ValueOf(rr).Pointer()))
		h.Write(p[:])
	}
	h.WriteByte(0) // the same records split otherwise between the sections
	for _, rr := range ns {
		binary.BigEndian.PutUint64(p[:], uint64(reflect.ValueOf(rr).Pointer()))
		h.Write(p[:])
	}
	return sigKey{h.Sum64(), uint64(len(answer))<<32 | uint64(len(ns))}
}

// find returns the remembered signing of res's sections, if it still holds.
func (m *answerMemo) find(ctx context.Context, s *SQLSign, k sigKey, res *dns.Msg, now time.Time) (signedAnswer, bool) {
	a, ok := m.lookup(k)
	if !ok || !sameRecords(a.answer, res.Answer) || !sameRecords(a.ns, res.Ns) {
		return signedAnswer{}, false
	}
	z := s.signingZone(ctx, a.origin)
	if z == nil || z.Keys() != a.keys || z.Origin() != a.origin {
		return signedAnswer{}, false
	}
	if inception, _ := a.keys.Validity(now); inception != a.inception {
		return signedAnswer{}, false
	}
	return a, true
}

// add remembers the signing as of res's sections (as the chain wrote them).
func (m *answerMemo) add(k sigKey, res *dns.Msg, answer, ns []dns.RR, as *answerSigning) {
	m.store(k, signedAnswer{
		answer:       slices.Clone(res.Answer),
		ns:           slices.Clone(res.Ns),
		signedAnswer: slices.Clip(answer),
		signedNs:     slices.Clip(ns),
		origin:       as.zone.Origin(),
		keys:         as.zone.Keys(),
		inception:    as.inception,
		sigs:         as.added,
	})
}

package capture

import (
	"strings"
	"time"

	"github.com/miekg/dns"
)

// pairWindow is how long after a query its response may still come: a query seen earlier
// than that before the newest packet is handed on without one.
const pairWindow = 5 * time.Second

// pairKey identifies one exchange: transport, client address and port, message id and
// question. The question guards against an id reused by the same client.
type pairKey struct {
	network, client string
	id              uint16
	question        string
}

func keyOf(network, client string, m *dns.Msg) pairKey {
	q := m.Question[0]
	return pairKey{network, client, m.Id, strings.ToLower(q.Name) + "/" + dns.TypeToString[q.Qtype]}
}

type pending struct {
	key  pairKey
	q    Query
	seen time.Time
	done bool
}

// pairer joins queries with their responses as a capture sees them, and hands each query on
// in the order the queries came, once answered or once pairWindow has passed.
type pairer struct {
	handle Handler
	stats  *Stats
	open   map[pairKey]*pending
	queue  []*pending
}

func newPairer(h Handler, s *Stats) *pairer {
	return &pairer{handle: h, stats: s, open: map[pairKey]*pending{}}
}

func (p *pairer) query(network, client string, m *dns.Msg, seen time.Time) error {
	if !isQuery(m) {
		p.stats.Skipped++
		return nil
	}
	k := keyOf(network, client, m)
	if old, ok := p.open[k]; ok {
		// A retransmission: the earlier copy goes on unanswered.
		delete(p.open, k)
		old.seen = time.Time{}
	}
	e := &pending{key: k, q: Query{Msg: m, Network: network}, seen: seen}
	p.open[k] = e
	p.queue = append(p.queue, e)
	return p.flush(seen)
}

func (p *pairer) response(network, client string, m *dns.Msg, seen time.Time) error {
	if len(m.Question) == 1 {
		k := keyOf(network, client, m)
		if e, ok := p.open[k]; ok {
			e.q.Response = m
			delete(p.open, k)
		}
	}
	return p.flush(seen)
}

// flush hands on the queries at the head of the queue that are answered or too old.
func (p *pairer) flush(now time.Time) error {
	for len(p.queue) > 0 {
		e := p.queue[0]
		if e.q.Response == nil && p.open[e.key] == e && now.Sub(e.seen) < pairWindow {
			return nil
		}
		p.queue[0] = nil
		p.queue = p.queue[1:]
		if err := p.emit(e); err != nil {
			return err
		}
	}
	return nil
}

// close hands on every query still waiting.
func (p *pairer) close() error {
	for _, e := range p.queue {
		if err := p.emit(e); err != nil {
			return err
		}
	}
	p.queue = nil
	p.open = map[pairKey]*pending{}
	return nil
}

func (p *pairer) emit(e *pending) error {
	if e.done {
		return nil
	}
	e.done = true
	if p.open[e.key] == e {
		delete(p.open, e.key)
	}
	p.stats.Queries++
	if e.q.Response != nil {
		p.stats.Answered++
	}
	return p.handle(e.q)
}

package dynamic

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// DefaultEvery is how often a started Engine checks its thresholds.
const DefaultEvery = time.Second

// Store is where the engine's rules go: abusepool's state, shared by the fleet.
type Store interface {
	// Add adds r; it fails while a live rule has r's id.
	Add(r rules.Rule) error
	// Extend moves the expiry of the live rule id to until when that is more than minGain
	// after its current one, and reports whether it did.
	Extend(id string, until time.Time, minGain time.Duration) (bool, error)
}

// Engine checks thresholds against an inspector and adds a rule for every offender, or
// extends the rule an offender already has.
type Engine struct {
	ts    []Threshold
	names []string // per threshold, the part of its rules' ids that tells it from the others (idName)
	insp  *inspect.Inspector
	store Store

	mu   sync.Mutex // guards stop and done
	stop chan struct{}
	done chan struct{}
}

// New returns an engine that keeps its rules in store. Adding fails while a rule with the
// same id is active (the state's Add does): the offender is still over its threshold while
// blocked, so the engine extends its rule to BLOCKFOR from now, and a block lasts as long as
// the attack plus BLOCKFOR instead of lapsing every BLOCKFOR (with kernel_drop the handler
// still sees the flood, in the kernel's sample). So that the fleet's store is not written on
// every check, a rule is extended only when that moves its expiry by more than a quarter of
// BLOCKFOR; nothing else is logged or counted for an offender already blocked.
func New(ts []Threshold, insp *inspect.Inspector, store Store) *Engine {
	for _, t := range ts {
		// The series exist at 0 before the first rule.
		rulesAdded.WithLabelValues(t.Trigger)
		rulesExtended.WithLabelValues(t.Trigger)
	}
	return &Engine{ts: ts, names: idNames(ts), insp: insp, store: store}
}

// extendGain is the least an extension moves a rule's expiry, as a fraction of BLOCKFOR.
const extendGain = 4 // a quarter

// idNames names each threshold for its rules' ids: the trigger, with the rcode for
// rcode_rate, and "-2", "-3"... for a later threshold of the same kind (escalating levels),
// so that two thresholds never block one offender under one id. The Corefile is the same
// on every node, so the names are too.
func idNames(ts []Threshold) []string {
	seen := map[string]int{}
	out := make([]string, len(ts))
	for i, t := range ts {
		name := t.Trigger
		if t.Trigger == RcodeRate {
			name += "-" + strings.ToLower(dns.RcodeToString[t.Rcode])
		}
		if seen[name]++; seen[name] > 1 {
			name += "-" + strconv.Itoa(seen[name])
		}
		out[i] = name
	}
	return out
}

// Check evaluates every threshold once, at now, and returns the rules it added.
func (e *Engine) Check(now time.Time) []rules.Rule {
	e.insp.Flush() // judge every event recorded so far
	var added []rules.Rule
	for i, t := range e.ts {
		offs, err := offenders(t, e.insp)
		if err != nil {
			log.Warningf("dynamic %s: %v", t.Trigger, err)
			continue
		}
		for _, o := range offs {
			// Each offender of a threshold is one key, so a rule is looked at once a check.
			r := t.rule(e.names[i], o, now)
			if err := e.store.Add(r); err != nil {
				e.extend(t, r, err)
				continue
			}
			log.Infof("dynamic rule %s added: %s %s until %s (%s)", r.ID, describe(r.Match), r.Action, r.Expires.UTC().Format(time.RFC3339), r.Reason)
			rulesAdded.WithLabelValues(t.Trigger).Inc()
			added = append(added, r)
		}
	}
	return added
}

// extend extends r's live rule, which its Add found (addErr), to r's expiry.
func (e *Engine) extend(t Threshold, r rules.Rule, addErr error) {
	ok, err := e.store.Extend(r.ID, r.Expires, t.BlockFor/extendGain)
	switch {
	case err != nil:
		log.Debugf("dynamic rule %s neither added (%v) nor extended (%v)", r.ID, addErr, err)
	case ok:
		log.Infof("dynamic rule %s extended until %s (%s)", r.ID, r.Expires.UTC().Format(time.RFC3339), r.Reason)
		rulesExtended.WithLabelValues(t.Trigger).Inc()
	}
}

// rule is the rule t, named name in ids, makes for o at now.
func (t Threshold) rule(name string, o offender, now time.Time) rules.Rule {
	r := rules.Rule{
		ID:      ruleID(name, o.key),
		Match:   o.match,
		Action:  t.Action,
		Pool:    t.Pool,
		Origin:  rules.FromDynamic,
		Reason:  o.reason,
		Created: now,
		Expires: now.Add(t.BlockFor),
	}
	if t.Limit != nil {
		l := *t.Limit // each rule its own, so changing one changes no other
		r.Limit = &l
	}
	return r
}

func describe(m rules.Match) string {
	if m.Suffix != "" {
		return "suffix " + m.Suffix
	}
	return "cidr " + m.CIDR
}

// Start checks the thresholds every every (DefaultEvery when not above 0) until Stop.
// Starting a started engine does nothing.
func (e *Engine) Start(every time.Duration) {
	if every <= 0 {
		every = DefaultEvery
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stop != nil {
		return
	}
	e.stop, e.done = make(chan struct{}), make(chan struct{})
	go e.run(every, e.stop, e.done)
}

// Stop ends the checking and waits for it.
func (e *Engine) Stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stop == nil {
		return
	}
	close(e.stop)
	<-e.done
	e.stop, e.done = nil, nil
}

func (e *Engine) run(every time.Duration, stop, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			e.Check(now)
		}
	}
}

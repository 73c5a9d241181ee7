package dynamic

import (
	"sync"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// DefaultEvery is how often a started Engine checks its thresholds.
const DefaultEvery = time.Second

// Engine checks thresholds against an inspector and adds a rule for every offender.
type Engine struct {
	ts   []Threshold
	insp *inspect.Inspector
	add  func(rules.Rule) error

	mu   sync.Mutex // guards stop and done
	stop chan struct{}
	done chan struct{}
}

// New returns an engine that adds its rules with add. add fails while a rule with the same
// id is active (the state's Add does); the engine then skips the offender, which is already
// blocked, without logging or counting it again.
func New(ts []Threshold, insp *inspect.Inspector, add func(rules.Rule) error) *Engine {
	for _, t := range ts {
		rulesAdded.WithLabelValues(t.Trigger) // the series exists at 0 before the first rule
	}
	return &Engine{ts: ts, insp: insp, add: add}
}

// Check evaluates every threshold once, at now, and returns the rules it added.
func (e *Engine) Check(now time.Time) []rules.Rule {
	e.insp.Flush() // judge every event recorded so far
	var added []rules.Rule
	for _, t := range e.ts {
		offs, err := offenders(t, e.insp)
		if err != nil {
			log.Warningf("dynamic %s: %v", t.Trigger, err)
			continue
		}
		for _, o := range offs {
			r := t.rule(o, now)
			if err := e.add(r); err != nil {
				log.Debugf("dynamic rule %s not added: %v", r.ID, err)
				continue
			}
			log.Infof("dynamic rule %s added: %s %s until %s (%s)", r.ID, describe(r.Match), r.Action, r.Expires.UTC().Format(time.RFC3339), r.Reason)
			rulesAdded.WithLabelValues(t.Trigger).Inc()
			added = append(added, r)
		}
	}
	return added
}

// rule is the rule t makes for o at now.
func (t Threshold) rule(o offender, now time.Time) rules.Rule {
	r := rules.Rule{
		ID:      ruleID(t.Trigger, o.key),
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

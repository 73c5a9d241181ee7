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

// Engine checks thresholds against an inspector and adds a rule for every offender.
type Engine struct {
	ts    []Threshold
	names []string // per threshold, the part of its rules' ids that tells it from the others (idName)
	insp  *inspect.Inspector
	add   func(rules.Rule) error

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
	return &Engine{ts: ts, names: idNames(ts), insp: insp, add: add}
}

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
			r := t.rule(e.names[i], o, now)
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

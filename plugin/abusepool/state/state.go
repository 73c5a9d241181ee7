// Package state keeps abusepool's live rule list: the Corefile's rules, those added over the
// API, and those the dynamic thresholds add, each until it expires. The handler reads it
// through Set, an immutable index swapped atomically on every change, so a query never waits
// for a change. With Redis the API and dynamic rules are shared by every node (see redis.go).
package state

import (
	"cmp"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/redis/go-redis/v9"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

var log = clog.NewWithPlugin("abusepool")

// Defaults of Options.
const (
	DefaultPrefix = "hostdns:abusepool:"
	DefaultResync = 5 * time.Second
)

// The errors the API maps to 404 and 409.
var (
	ErrNotFound     = errors.New("no such rule")
	ErrCorefileRule = errors.New("rule comes from the Corefile; change it there")
	ErrExists       = errors.New("a rule with this id exists")
)

// Options configure a State. The zero value keeps everything on this node.
type Options struct {
	Redis      redis.UniversalClient // nil: rules are this node's own
	Prefix     string                // of every Redis key; default DefaultPrefix
	PoolExists func(string) bool     // for validating pool rules; nil: no pools
	Resync     time.Duration         // full re-read from Redis; default DefaultResync
}

// State is the live rule list. Its methods are safe for concurrent use.
type State struct {
	o Options

	set  atomic.Pointer[rules.Set]
	view atomic.Pointer[view]

	mu       sync.Mutex // guards the fields below, and rebuilding
	corefile []rules.Rule
	shared   map[string]rules.Rule // API and dynamic rules by id
	pending  map[string]*change    // changes Redis has not seen yet, by id
	expiredQ []rules.Rule          // expired here, still to be deleted from Redis
	counted  map[rules.Origin]int  // what this State added to the rules gauge

	redis    redisShare
	changeMu sync.Mutex // one Put, Add or Delete at a time: check and change are one step

	wakeExpiry chan struct{}
	stop       chan struct{}
	started    bool
	stopOnce   sync.Once
	wg         sync.WaitGroup
}

// change is a change Redis has not seen yet: the rule, or nil for a delete, made at.
type change struct {
	rule *rules.Rule
	at   time.Time
}

// view is what readers see: the rules in precedence order, by id, and the earliest expiry.
type view struct {
	list []rules.Rule
	byID map[string]int
	next time.Time // zero: nothing expires
}

// New returns a State holding the Corefile's rules, which must be valid. Nothing runs until
// Start.
func New(corefile []rules.Rule, o Options) *State {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Resync <= 0 {
		o.Resync = DefaultResync
	}
	if o.PoolExists == nil {
		o.PoolExists = func(string) bool { return false }
	}
	s := &State{
		o:          o,
		corefile:   cloneAll(corefile),
		shared:     map[string]rules.Rule{},
		pending:    map[string]*change{},
		counted:    map[rules.Origin]int{},
		wakeExpiry: make(chan struct{}, 1),
		stop:       make(chan struct{}),
	}
	s.redis.init(s)
	s.mu.Lock()
	s.rebuild()
	s.mu.Unlock()
	return s
}

// Set returns the current rule index for matching queries.
func (s *State) Set() *rules.Set { return s.set.Load() }

// Rules returns every rule: the Corefile's first, then the others by Created, which is also
// their precedence.
func (s *State) Rules() []rules.Rule { return cloneAll(s.view.Load().list) }

// Get returns the rule with id.
func (s *State) Get(id string) (rules.Rule, bool) {
	v := s.view.Load()
	i, ok := v.byID[id]
	if !ok {
		return rules.Rule{}, false
	}
	return clone(v.list[i]), true
}

// Ready reports whether the rules are all known: always without Redis, and with it once the
// first load from Redis succeeded.
func (s *State) Ready() bool { return s.o.Redis == nil || s.redis.loaded.Load() }

// rebuild publishes a new view and Set from corefile and shared. A shared rule with a
// Corefile rule's id is shadowed by it. Caller holds mu.
func (s *State) rebuild() {
	list := make([]rules.Rule, 0, len(s.corefile)+len(s.shared))
	list = append(list, s.corefile...)
	ids := make(map[string]int, cap(list))
	for i, r := range s.corefile {
		ids[r.ID] = i
	}
	var others []rules.Rule
	for id, r := range s.shared {
		if _, shadowed := ids[id]; !shadowed {
			others = append(others, r)
		}
	}
	slices.SortFunc(others, func(a, b rules.Rule) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	v := &view{byID: ids}
	for _, r := range others {
		ids[r.ID] = len(list)
		list = append(list, r)
	}
	for _, r := range list {
		if !r.Expires.IsZero() && (v.next.IsZero() || r.Expires.Before(v.next)) {
			v.next = r.Expires
		}
	}
	v.list = list
	s.set.Store(rules.NewSet(list))
	s.view.Store(v)
	s.countRules(list)
	select {
	case s.wakeExpiry <- struct{}{}:
	default:
	}
}

// clone copies r deeply enough that the caller cannot change the State's copy.
func clone(r rules.Rule) rules.Rule {
	if r.Limit != nil {
		l := *r.Limit
		r.Limit = &l
	}
	return r
}

func cloneAll(rs []rules.Rule) []rules.Rule {
	out := make([]rules.Rule, len(rs))
	for i, r := range rs {
		out[i] = clone(r)
	}
	return out
}

package abusepool

import (
	"context"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/abusepool/state"
)

// backend is what the HTTP API serves: the inspector's top lists and rates, and the
// state's rules.
type backend struct {
	inspector *inspect.Inspector
	state     *state.State
}

func (b backend) Top(q inspect.Query) (inspect.Top, error)    { return b.inspector.Top(q) }
func (b backend) Rates(window time.Duration) inspect.Rates    { return b.inspector.Rates(window) }
func (b backend) Rules() []rules.Rule                         { return b.state.Rules() }
func (b backend) Get(id string) (rules.Rule, bool)            { return b.state.Get(id) }
func (b backend) Delete(ctx context.Context, id string) error { return b.state.Delete(ctx, id) }
func (b backend) Put(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	return b.state.Put(ctx, r)
}
func (b backend) Add(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	return b.state.Add(ctx, r)
}

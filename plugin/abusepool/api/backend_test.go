package api

import (
	"fmt"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/abusepool/state"
)

// testBackend is a real rule State with fixed inspection answers: the inspector is another
// package's, tested there; here only what the API makes of its answers and errors counts.
type testBackend struct {
	*state.State
	asked []inspect.Query
}

var fixedTop = []inspect.Entry{
	{Key: "t-ipnet.de.", Count: 900, Error: 3, Share: 0.9},
	{Key: "example.org.", Count: 60, Share: 0.06},
}

// Top answers names and clients; like the inspector it refuses other dimensions, N over
// 1000 and windows over 60s.
func (b *testBackend) Top(q inspect.Query) (inspect.Top, error) {
	b.asked = append(b.asked, q)
	switch {
	case q.Dimension != inspect.Names && q.Dimension != inspect.Clients:
		return inspect.Top{}, fmt.Errorf("unknown dimension %q", q.Dimension)
	case q.N < 1 || q.N > 1000:
		return inspect.Top{}, fmt.Errorf("n %d: want 1..1000", q.N)
	case q.Window > time.Minute:
		return inspect.Top{}, fmt.Errorf("window %s over the configured 1m0s", q.Window)
	}
	entries := fixedTop[:min(q.N, len(fixedTop))]
	return inspect.Top{Dimension: q.Dimension, Labels: q.Labels, Window: time.Minute, Total: 1000, Entries: entries}, nil
}

func (b *testBackend) Rates(window time.Duration) inspect.Rates {
	return inspect.Rates{Window: window, QueriesPerSecond: 1500, AnswersPerSecond: 1400, DroppedPerSecond: 100}
}

func newTestBackend() *testBackend {
	core := rules.Rule{ID: "core", Match: rules.Match{Suffix: "core.example."}, Action: rules.Refused,
		Origin: rules.FromCorefile, Created: time.Now()}
	return &testBackend{State: state.New([]rules.Rule{core}, state.Options{})}
}

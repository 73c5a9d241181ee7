package dynamic

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// errBadAction is wrapped by parseAction's errors; ParseCorefile wraps them in ErrInvalid.
var errBadAction = errors.New("bad action")

// parseAction reads an action and its arguments from the front of args and returns the tokens
// after them: drop | refused | truncate | ratelimit QPS BURST client|subnet|name
// drop|truncate|refused | pool NAME.
//
// TODO(lead): replace with rules.ParseAction on merge (and drop errBadAction, FuzzParseAction)
func parseAction(args []string) (rules.Action, *rules.Limit, string, []string, error) {
	if len(args) == 0 {
		return "", nil, "", nil, fmt.Errorf("%w: missing ACTION (drop, refused, truncate, ratelimit or pool)", errBadAction)
	}
	switch a := rules.Action(args[0]); a {
	case rules.Drop, rules.Refused, rules.Truncate:
		return a, nil, "", args[1:], nil
	case rules.RateLimit:
		l, err := parseLimit(args[1:])
		if err != nil {
			return "", nil, "", nil, err
		}
		return a, l, "", args[5:], nil
	case rules.Pool:
		if len(args) < 2 {
			return "", nil, "", nil, fmt.Errorf("%w: pool: missing NAME", errBadAction)
		}
		if !validPoolName(args[1]) {
			return "", nil, "", nil, fmt.Errorf("%w: pool: bad NAME %q: want 1-64 of letters, digits, '.', '_', '-'", errBadAction, args[1])
		}
		return a, nil, args[1], args[2:], nil
	default:
		return "", nil, "", nil, fmt.Errorf("%w: unknown ACTION %q: want drop, refused, truncate, ratelimit or pool", errBadAction, args[0])
	}
}

// parseLimit reads QPS BURST client|subnet|name drop|truncate|refused.
func parseLimit(args []string) (*rules.Limit, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("%w: ratelimit: want QPS BURST client|subnet|name drop|truncate|refused, got %d tokens", errBadAction, len(args))
	}
	qps, err := strconv.ParseFloat(args[0], 64)
	if err != nil || math.IsNaN(qps) || math.IsInf(qps, 0) || qps <= 0 {
		return nil, fmt.Errorf("%w: ratelimit: bad QPS %q: want a number above 0", errBadAction, args[0])
	}
	burst, err := strconv.Atoi(args[1])
	if err != nil || burst < 1 {
		return nil, fmt.Errorf("%w: ratelimit: bad BURST %q: want a whole number from 1", errBadAction, args[1])
	}
	l := &rules.Limit{QPS: qps, Burst: burst, Per: rules.Key(args[2]), Then: rules.Action(args[3])}
	switch l.Per {
	case rules.PerClient, rules.PerSubnet, rules.PerName:
	default:
		return nil, fmt.Errorf("%w: ratelimit: bad key %q: want client, subnet or name", errBadAction, args[2])
	}
	switch l.Then {
	case rules.Drop, rules.Truncate, rules.Refused:
	default:
		return nil, fmt.Errorf("%w: ratelimit: bad action over the limit %q: want drop, truncate or refused", errBadAction, args[3])
	}
	return l, nil
}

func validPoolName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

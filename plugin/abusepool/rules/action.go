package rules

import (
	"strconv"
	"strings"
)

// ParseAction parses an action and its arguments from the start of args:
//
//	drop | refused | truncate | ratelimit QPS BURST client|subnet|name drop|truncate|refused | pool NAME
//
// and returns the tokens after them. Shared by the rule and dynamic threshold grammars.
func ParseAction(args []string) (action Action, limit *Limit, pool string, rest []string, err error) {
	if len(args) == 0 {
		return "", nil, "", nil, invalid("action", "", "missing: want drop, refused, truncate, ratelimit or pool")
	}
	switch a := Action(args[0]); a {
	case Drop, Refused, Truncate:
		return a, nil, "", args[1:], nil
	case RateLimit:
		l, err := parseLimit(args[1:])
		if err != nil {
			return "", nil, "", nil, err
		}
		return a, l, "", args[5:], nil
	case Pool:
		if len(args) < 2 {
			return "", nil, "", nil, invalid("pool", "", "missing the pool's name")
		}
		if err := validateID("pool", args[1]); err != nil {
			return "", nil, "", nil, err
		}
		return a, nil, args[1], args[2:], nil
	default:
		return "", nil, "", nil, invalid("action", args[0], "want drop, refused, truncate, ratelimit or pool")
	}
}

// parseLimit parses `QPS BURST client|subnet|name drop|truncate|refused`.
func parseLimit(args []string) (*Limit, error) {
	if len(args) < 4 {
		return nil, invalid("ratelimit", strings.Join(args, " "), "want QPS BURST client|subnet|name drop|truncate|refused")
	}
	qps, err := strconv.ParseFloat(args[0], 64)
	if err != nil {
		return nil, invalid("qps", args[0], "not a number")
	}
	burst, err := strconv.Atoi(args[1])
	if err != nil {
		return nil, invalid("burst", args[1], "not an integer")
	}
	l := &Limit{QPS: qps, Burst: burst, Per: Key(args[2]), Then: Action(args[3])}
	if err := validateLimit(l); err != nil {
		return nil, err
	}
	return l, nil
}

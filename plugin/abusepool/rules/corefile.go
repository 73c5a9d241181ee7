package rules

import (
	"time"
)

// maxFor is the longest `for`: far enough for any block, short enough not to overflow time.
const maxFor = 100 * 365 * 24 * time.Hour

// ParseCorefile parses a rule from the tokens after the word `rule`:
//
//	ID [suffix NAME] [cidr PREFIX] [qtype TYPE] ACTION [ARGS] [for DURATION]
//
// The rule's Origin is corefile and Created is now; `for` sets Expires to now + DURATION.
// The rule is validated, except whether its pool exists (the caller knows the pools).
func ParseCorefile(args []string, now time.Time) (Rule, error) {
	if len(args) == 0 {
		return Rule{}, invalid("id", "", "missing: rule ID [suffix NAME] [cidr PREFIX] [qtype TYPE] ACTION [ARGS] [for DURATION]")
	}
	r := Rule{ID: args[0], Origin: FromCorefile, Created: now}
	rest, err := parseMatch(&r.Match, args[1:])
	if err != nil {
		return Rule{}, err
	}
	r.Action, r.Limit, r.Pool, rest, err = ParseAction(rest)
	if err != nil {
		return Rule{}, err
	}
	if r.Expires, err = parseFor(rest, now); err != nil {
		return Rule{}, err
	}
	if err := r.Validate(nil); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// parseMatch reads `suffix NAME`, `cidr PREFIX` and `qtype TYPE`, each at most once and in
// any order, and returns the tokens after them.
func parseMatch(m *Match, args []string) ([]string, error) {
	for len(args) > 0 {
		var field *string
		switch args[0] {
		case "suffix":
			field = &m.Suffix
		case "cidr":
			field = &m.CIDR
		case "qtype":
			field = &m.QType
		default:
			return args, nil
		}
		if *field != "" {
			return nil, invalid(args[0], args[0], "given twice")
		}
		if len(args) < 2 || args[1] == "" {
			return nil, invalid(args[0], "", "missing its value")
		}
		*field = args[1]
		args = args[2:]
	}
	return args, nil
}

// parseFor reads an optional `for DURATION`; nothing may follow it.
func parseFor(args []string, now time.Time) (time.Time, error) {
	if len(args) == 0 {
		return time.Time{}, nil
	}
	if args[0] != "for" {
		return time.Time{}, invalid("token", args[0], "unexpected; want `for DURATION` or nothing")
	}
	if len(args) < 2 {
		return time.Time{}, invalid("for", "", "missing the duration")
	}
	d, err := time.ParseDuration(args[1])
	if err != nil || d <= 0 || d > maxFor {
		return time.Time{}, invalid("for", args[1], "want a positive duration such as 10m")
	}
	if len(args) > 2 {
		return time.Time{}, invalid("token", args[2], "unexpected after `for DURATION`")
	}
	return now.Add(d), nil
}

package dynamic

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/miekg/dns"
)

// ParseCorefile reads the tokens after the word `dynamic`:
//
//	query_rate client|subnet RATE WINDOW BLOCKFOR ACTION [ARGS]
//	rcode_rate nxdomain|servfail client RATE WINDOW BLOCKFOR ACTION [ARGS]
//	nxdomain_ratio LABELS RATIO MINQUERIES WINDOW BLOCKFOR ACTION [ARGS]
//	response_bytes client BYTES_PER_SECOND WINDOW BLOCKFOR ACTION [ARGS]
//
// Errors wrap ErrInvalid and name the token at fault.
func ParseCorefile(args []string) (Threshold, error) {
	if len(args) == 0 {
		return Threshold{}, fmt.Errorf("%w: missing trigger (query_rate, rcode_rate, nxdomain_ratio or response_bytes)", ErrInvalid)
	}
	t := Threshold{Trigger: args[0]}
	p := &tokens{args: args[1:], trigger: args[0]}
	switch t.Trigger {
	case QueryRate:
		t.Per = rules.Key(p.next("client|subnet"))
		if p.err == nil && t.Per != rules.PerClient && t.Per != rules.PerSubnet {
			p.fail("bad key %q: want client or subnet", t.Per)
		}
		t.Rate = p.positive("RATE")
	case RcodeRate:
		switch rc := p.next("nxdomain|servfail"); {
		case p.err != nil:
		case rc == "nxdomain":
			t.Rcode = dns.RcodeNameError
		case rc == "servfail":
			t.Rcode = dns.RcodeServerFailure
		default:
			p.fail("bad rcode %q: want nxdomain or servfail", rc)
		}
		t.Per = p.client()
		t.Rate = p.positive("RATE")
	case NXDomainRatio:
		t.Labels = p.labels()
		t.Ratio = p.ratio()
		t.MinQueries = p.minQueries()
	case ResponseBytes:
		t.Per = p.client()
		t.Rate = p.positive("BYTES_PER_SECOND")
	default:
		return Threshold{}, fmt.Errorf("%w: unknown trigger %q: want query_rate, rcode_rate, nxdomain_ratio or response_bytes", ErrInvalid, args[0])
	}
	t.Window = p.duration("WINDOW")
	t.BlockFor = p.duration("BLOCKFOR")
	if p.err != nil {
		return Threshold{}, p.err
	}
	var rest []string
	var err error
	t.Action, t.Limit, t.Pool, rest, err = rules.ParseAction(p.args)
	if err != nil {
		return Threshold{}, fmt.Errorf("%w: %s: %w", ErrInvalid, t.Trigger, err)
	}
	if len(rest) > 0 {
		return Threshold{}, fmt.Errorf("%w: %s: unexpected %q after the action", ErrInvalid, t.Trigger, rest[0])
	}
	return t, nil
}

// tokens hands out a line's tokens one at a time, keeping the first error.
type tokens struct {
	args    []string
	trigger string
	err     error
}

func (p *tokens) fail(format string, a ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%w: %s: %s", ErrInvalid, p.trigger, fmt.Sprintf(format, a...))
	}
}

// next takes the next token; what names it in the error when there is none.
func (p *tokens) next(what string) string {
	if p.err != nil {
		return ""
	}
	if len(p.args) == 0 {
		p.fail("missing %s", what)
		return ""
	}
	s := p.args[0]
	p.args = p.args[1:]
	return s
}

func (p *tokens) client() rules.Key {
	if s := p.next("client"); p.err == nil && s != string(rules.PerClient) {
		p.fail("bad key %q: want client", s)
	}
	return rules.PerClient
}

func (p *tokens) positive(what string) float64 {
	s := p.next(what)
	if p.err != nil {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		p.fail("bad %s %q: want a number above 0", what, s)
	}
	return v
}

func (p *tokens) ratio() float64 {
	s := p.next("RATIO")
	if p.err != nil {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v <= 0 || v > 1 {
		p.fail("bad RATIO %q: want a number above 0, at most 1", s)
	}
	return v
}

// maxLabels is the most labels a name has (127 one-byte labels fit in 255 bytes).
const maxLabels = 127

func (p *tokens) labels() int {
	s := p.next("LABELS")
	if p.err != nil {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLabels {
		p.fail("bad LABELS %q: want a whole number from 1 to %d", s, maxLabels)
	}
	return n
}

func (p *tokens) minQueries() uint64 {
	s := p.next("MINQUERIES")
	if p.err != nil {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n < 1 {
		p.fail("bad MINQUERIES %q: want a whole number from 1", s)
	}
	return n
}

func (p *tokens) duration(what string) time.Duration {
	s := p.next(what)
	if p.err != nil {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		p.fail("bad %s %q: want a duration above 0, like 10s or 5m", what, s)
	}
	return d
}

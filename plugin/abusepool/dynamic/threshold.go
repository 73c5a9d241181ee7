// Package dynamic turns what the inspector sees into rules that expire by themselves: a
// client or subnet asking too fast, a client drawing too many NXDOMAIN or SERVFAIL answers, a
// suffix whose queries mostly end in NXDOMAIN (a random-subdomain attack), or a client drawing
// too many answer bytes (amplification). Thresholds judge by the inspector's guaranteed lower
// bounds (Count-Error), so a rule is never made for traffic that did not happen.
package dynamic

import (
	"errors"
	"fmt"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// The triggers, the first word after `dynamic`.
const (
	QueryRate     = "query_rate"     // queries per second per client or subnet
	RcodeRate     = "rcode_rate"     // NXDOMAIN or SERVFAIL answers per second per client
	NXDomainRatio = "nxdomain_ratio" // the share of NXDOMAIN answers under a suffix
	ResponseBytes = "response_bytes" // answer bytes per second per client
)

// ErrInvalid is wrapped by every error ParseCorefile and Fits return.
var ErrInvalid = errors.New("invalid dynamic threshold")

// Threshold is one `dynamic` line: when Trigger's measure over Window passes Rate (or Ratio),
// a rule with Action (Limit, Pool) is made for BlockFor.
type Threshold struct {
	Trigger    string
	Per        rules.Key // QueryRate: PerClient or PerSubnet; RcodeRate, ResponseBytes: PerClient
	Rcode      int       // RcodeRate: dns.RcodeNameError or dns.RcodeServerFailure
	Labels     int       // NXDomainRatio: the suffix is the name's last Labels labels
	Rate       float64   // QueryRate, RcodeRate: per second; ResponseBytes: bytes per second
	Ratio      float64   // NXDomainRatio: 0 < Ratio <= 1
	MinQueries uint64    // NXDomainRatio: fewer queries under the suffix are not judged
	Window     time.Duration
	BlockFor   time.Duration
	Action     rules.Action
	Limit      *rules.Limit
	Pool       string
}

// Fits reports whether the inspector can answer t: its window no longer than the
// inspection window, its labels among those names are grouped by.
func (t Threshold) Fits(c inspect.Config) error {
	if t.Window > c.Window {
		return fmt.Errorf("%w: %s window %s is longer than the inspection window %s", ErrInvalid, t.Trigger, t.Window, c.Window)
	}
	if t.Labels > c.GroupLabels {
		return fmt.Errorf("%w: %s labels %d is more than group_labels %d", ErrInvalid, t.Trigger, t.Labels, c.GroupLabels)
	}
	return nil
}

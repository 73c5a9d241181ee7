// Package rules holds abusepool's rules: what a query must look like (suffix, client CIDR,
// query type, or any combination) and what happens to it (drop, REFUSED, truncate,
// rate-limit, or an abuse pool). Rules come from the Corefile, the HTTP API and the dynamic
// thresholds; all three share this one form, which is also the API's JSON.
package rules

import "time"

// Action is what a matching rule does to a query.
type Action string

// The actions. Pass exists for the metrics of queries no rule matched; no rule has it.
const (
	Drop      Action = "drop"      // no answer at all
	Refused   Action = "refused"   // rcode REFUSED, question echoed
	Truncate  Action = "truncate"  // TC=1 over UDP (the client retries over TCP); TCP passes
	RateLimit Action = "ratelimit" // see Limit; within the limit the query passes
	Pool      Action = "pool"      // answered by the named abuse pool's upstreams
	Pass      Action = "pass"
)

// Key is what a rate limit counts by.
type Key string

// The keys a rate limit, and a dynamic threshold, count by.
const (
	PerClient Key = "client" // the client's address
	PerSubnet Key = "subnet" // the client's /24 (IPv4) or /56 (IPv6)
	PerName   Key = "name"   // the query name
)

// Origin says where a rule came from.
type Origin string

// The origins. Corefile rules are each node's own; api and dynamic rules are shared through
// Redis when it is configured.
const (
	FromCorefile Origin = "corefile"
	FromAPI      Origin = "api"
	FromDynamic  Origin = "dynamic"
)

// Match is what a query must look like. Every field set must match; at least one is set.
type Match struct {
	Suffix string `json:"suffix,omitempty"` // a domain: it and every name below it; stored lower-case, fully qualified
	CIDR   string `json:"cidr,omitempty"`   // the client's address, "192.0.2.0/24", "2001:db8::/32" or a bare address; stored canonical (masked)
	QType  string `json:"qtype,omitempty"`  // a type mnemonic, "ANY", "TXT", or "TYPE65401"; stored upper-case
}

// Limit is a rate limit's parameters: QPS with Burst, counted Per key; queries over it get Then.
type Limit struct {
	QPS   float64 `json:"qps"`
	Burst int     `json:"burst"`
	Per   Key     `json:"per"`
	Then  Action  `json:"then"` // Drop, Truncate or Refused
}

// Rule is one rule. The zero Expires means it never expires.
type Rule struct {
	ID      string    `json:"id"` // 1-64 of [a-z0-9._-]; the API assigns one when it is empty
	Match   Match     `json:"match"`
	Action  Action    `json:"action"`
	Limit   *Limit    `json:"limit,omitempty"` // set exactly when Action is RateLimit
	Pool    string    `json:"pool,omitempty"`  // set exactly when Action is Pool
	Origin  Origin    `json:"origin"`
	Reason  string    `json:"reason,omitempty"` // free text, ≤ 256 bytes; dynamic rules say which threshold and value
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"`
}

// Expired reports whether the rule has run out at now.
func (r *Rule) Expired(now time.Time) bool {
	return !r.Expires.IsZero() && !now.Before(r.Expires)
}

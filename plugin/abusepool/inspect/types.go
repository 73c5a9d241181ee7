// Package inspect keeps what abusepool shows an operator: top query names (whole, or grouped
// by their last labels), top clients by address, /24 and /56, top rcodes, query types,
// SERVFAIL and NXDOMAIN names, and rates, over a sliding window with memory fixed by
// configuration however many distinct names or clients a flood brings.
package inspect

import (
	"net/netip"
	"time"
)

// Event is one query as the handler saw it, recorded after it was answered (or not).
type Event struct {
	Name   string     // the query name, lower-case, fully qualified
	Client netip.Addr // the client's address
	QType  uint16
	Rcode  int // the answer's rcode; NoAnswer when nothing was sent (dropped)
	Bytes  int // the answer's size on the wire, 0 when none was sent
}

// NoAnswer is Event.Rcode for a query that got no answer.
const NoAnswer = -1

// Dimension names one top-N list.
type Dimension string

// The dimensions. Names may be grouped by their last labels (Query.Labels).
const (
	Names          Dimension = "names"           // query names
	Clients        Dimension = "clients"         // client addresses
	Clients24      Dimension = "clients24"       // client IPv4 /24s
	Clients56      Dimension = "clients56"       // client IPv6 /56s
	Rcodes         Dimension = "rcodes"          // answer rcodes ("NOERROR", ..., "none" for no answer)
	QTypes         Dimension = "qtypes"          // query types
	ServfailNames  Dimension = "servfail-names"  // names answered SERVFAIL
	NXDomainNames  Dimension = "nxdomain-names"  // names answered NXDOMAIN
	ClientBytes    Dimension = "client-bytes"    // clients by bytes answered (amplification)
	ClientNXDomain Dimension = "client-nxdomain" // clients by NXDOMAIN answers
	ClientServfail Dimension = "client-servfail" // clients by SERVFAIL answers
)

// Query asks for one top-N list.
type Query struct {
	Dimension Dimension
	N         int           // how many entries, 1..Config.Capacity
	Labels    int           // for Names, NXDomainNames, ServfailNames: group by the last Labels labels (0: whole names)
	Window    time.Duration // how far back, ≤ the configured window (0: all of it)
}

// Entry is one line of a top-N list. Count is an estimate that can be high by at most Error
// (the space-saving bound); Share is Count over the total of the dimension in the window.
type Entry struct {
	Key   string  `json:"key"`
	Count uint64  `json:"count"`
	Error uint64  `json:"error"`
	Share float64 `json:"share"`
}

// Top is the answer to a Query.
type Top struct {
	Dimension Dimension     `json:"dimension"`
	Labels    int           `json:"labels,omitempty"`
	Window    time.Duration `json:"window_ns"`
	Total     uint64        `json:"total"`
	Entries   []Entry       `json:"entries"`
}

// Rates are the window's averages per second.
type Rates struct {
	Window            time.Duration `json:"window_ns"`
	QueriesPerSecond  float64       `json:"queries_per_second"`
	AnswersPerSecond  float64       `json:"answers_per_second"`
	DroppedPerSecond  float64       `json:"dropped_per_second"`  // queries that got no answer
	UnsampledInWindow uint64        `json:"unsampled_in_window"` // events the recorder had no room for
}

// Package capture reads the queries to replay from a packet capture (pcap or pcapng), a
// dnstap file or a plain list (`name type [flags]`, as `dig -f` takes it). Readers stream:
// they call a handler for each query, so an hour of traffic is never held in memory.
package capture

import (
	"errors"
	"fmt"

	"github.com/miekg/dns"
)

// Query is one question to replay.
type Query struct {
	// Msg is the query as the client sent it: question, RD, CD, and the OPT record (EDNS
	// buffer size, DO) when it had one.
	Msg *dns.Msg
	// Response is the answer the capture holds for it, nil when it holds none. It can stand
	// in for the old server when that one is gone.
	Response *dns.Msg
	// Network is "udp" or "tcp", the transport the client used.
	Network string
}

// Handler receives each query read. An error from it stops the reader and is returned.
type Handler func(Query) error

// Stats counts what a reader saw, for the summary and for a clear error when a file held
// nothing usable.
type Stats struct {
	Records   int // packets, frames or lines read
	Queries   int // queries handed on
	Answered  int // of those, with the capture's response
	Skipped   int // packets, frames or lines that were not DNS over port 53, or did not parse
	Truncated int // DNS messages cut short by the capture's snap length or a lost TCP segment
}

func (s Stats) String() string {
	return fmt.Sprintf("%d records read, %d queries (%d with a captured answer), %d skipped, %d truncated",
		s.Records, s.Queries, s.Answered, s.Skipped, s.Truncated)
}

// ErrNoQueries is returned when a whole input held no query at all: most often the wrong
// file, a capture filtered to another port, or dnstap without the messages.
var ErrNoQueries = errors.New("no DNS queries found")

// isQuery tells a replayable query: a standard query (opcode QUERY) with one question.
// Zone transfers are left out: they are not what a migration check replays.
func isQuery(m *dns.Msg) bool {
	if m.Response || m.Opcode != dns.OpcodeQuery || len(m.Question) != 1 {
		return false
	}
	qt := m.Question[0].Qtype
	return qt != dns.TypeAXFR && qt != dns.TypeIXFR
}

package sqlbackend

import (
	"github.com/coredns/coredns/request"

	"github.com/miekg/dns"
)

// fitOptional makes a complete positive answer fit the client's buffer by
// leaving out what the client can do without: the authority section (the
// zone's NS records), then the additional records. The server's truncation
// (request.Scrub) would otherwise cut them and set TC, and a resolver that
// sees TC retries over TCP for an answer it already had. RFC 2181 9: TC is
// set only when a required RRset could not be included; "the TC bit should
// not be set merely because some extra information could have been included
// if there were room". Negative answers keep their SOA (RFC 2308 3) and
// referrals their NS: there the server's truncation decides, and sets TC.
func fitOptional(state request.Request, m *dns.Msg) {
	if m.Rcode != dns.RcodeSuccess || len(m.Answer) == 0 || (len(m.Ns) == 0 && len(m.Extra) == 0) {
		return
	}
	optLen := 0
	if opt := state.Req.IsEdns0(); opt != nil {
		optLen = dns.Len(opt) // Scrub puts the request's OPT, at most this long, in the reply
	}
	if fits(m, dns.MinMsgSize-optLen) {
		return // fits any client's buffer: the common case, told without asking the request its size
	}
	budget := state.Size() - optLen
	if fits(m, budget) {
		return
	}
	m.Ns = nil
	if fits(m, budget) {
		return
	}
	m.Extra = nil
}

// fits reports whether m, compressed as Scrub would compress it, is at most
// size octets long. Most answers fit uncompressed, which is cheap to tell:
// the compressed length needs a map of the names, built for this alone.
func fits(m *dns.Msg, size int) bool {
	compress := m.Compress
	m.Compress = false
	n := m.Len()
	if n > size {
		m.Compress = true
		n = m.Len()
	}
	m.Compress = compress
	return n <= size
}

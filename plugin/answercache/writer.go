package answercache

import (
	"context"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"

	"github.com/miekg/dns"
)

// capture is the writer an admitted miss goes down the chain with: it scrubs a copy of the
// answer as the server's ScrubWriter will scrub the answer itself, packs it, keeps the
// bytes and passes the message on untouched. Only a single message is stored.
type capture struct {
	dns.ResponseWriter
	req   *dns.Msg
	buf   []byte
	n     int
	ok    bool
	rcode int
}

func (c *capture) reset(w dns.ResponseWriter, r *dns.Msg) {
	c.ResponseWriter, c.req, c.n, c.ok, c.rcode = w, r, 0, false, 0
}

// WriteMsg implements dns.ResponseWriter.
func (c *capture) WriteMsg(m *dns.Msg) error {
	c.n++
	c.ok = false
	if c.n == 1 {
		state := request.Request{Req: c.req, W: c.ResponseWriter}
		// Scrubbed apart (a shallow copy: Truncate and SizeAndDo reslice and set
		// fields, and what they set in the shared OPT record the server sets the same
		// way): m goes on as the chain wrote it and is scrubbed once, by the server, as
		// without the cache. Scrubbing it twice would not be the same: a message
		// truncated to fit compressed may then fit uncompressed, and the second pass
		// turns compression off.
		stored := *m
		state.SizeAndDo(&stored)
		state.Scrub(&stored)
		if b, err := stored.PackBuffer(c.buf[:cap(c.buf)]); err == nil {
			c.keep(b)
			c.ok, c.rcode = true, stored.Rcode
		}
	}
	return c.ResponseWriter.WriteMsg(m)
}

// Write implements dns.ResponseWriter, for plugins that pack their answer themselves:
// the server sends those bytes as they are.
func (c *capture) Write(b []byte) (int, error) {
	c.n++
	c.ok = false
	if c.n == 1 && len(b) >= 12 {
		c.keep(append(c.buf[:0], b...))
		c.ok, c.rcode = true, int(b[3]&0x0f)
	}
	return c.ResponseWriter.Write(b)
}

// keep holds b as the packed answer (its buffer goes back to the pool with the scratch).
func (c *capture) keep(b []byte) { c.buf = b }

// asBytes reports whether a hit may be written as bytes with w.Write, which allocates
// nothing, rather than unpacked and written with WriteMsg.
//
// Not when it is not NOERROR: the recorders above (log's dnstest.Recorder, prometheus'
// metrics.Recorder) take the rcode only from WriteMsg and assume NOERROR otherwise, and
// every writer between them and us is CoreDNS's unexported per-plugin wrapper, which we do
// not look through. Not in a nested request either (a CNAME target asked through the
// whole server by upstream): the asker reads its answer from WriteMsg (a nonwriter) and
// bytes would go straight to the client. The server starts every request at loop depth 0
// (dnsserver.LoopKey); file, rewrite, pool and sqlbackend raise it before asking upstream,
// and a request that came through an answercache carries its recorder.
func asBytes(ctx context.Context, rcode int, outer *answerdeps.Recorder) bool {
	if rcode != dns.RcodeSuccess || outer != nil {
		return false
	}
	loop, _ := ctx.Value(dnsserver.LoopKey{}).(int)
	return loop == 0
}

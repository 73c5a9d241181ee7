package answercache

import (
	"context"
	"reflect"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/pkg/nonwriter"
	"github.com/coredns/coredns/request"

	"github.com/miekg/dns"
)

// capture is the writer an admitted miss goes down the chain with: it scrubs the answer
// exactly as the server's ScrubWriter will (doing it twice changes nothing: Truncate
// keeps what fits, the OPT record is reused), packs it, keeps the bytes and passes the
// message on. Only a single message is stored.
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
		state.SizeAndDo(m)
		state.Scrub(m)
		if b, err := m.PackBuffer(c.buf[:cap(c.buf)]); err == nil {
			c.keep(b)
			c.ok, c.rcode = true, m.Rcode
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

// Unwrap returns the writer above, for plugins below that look for a writer up the chain.
func (c *capture) Unwrap() dns.ResponseWriter { return c.ResponseWriter }

// pluginWriter is the layout of CoreDNS's unexported writer that plugin.NextOrFailure puts
// around every plugin's writer (to name the plugin that answered for metrics). A hit
// reaches the recorders above through it; init checks the layout and, when a CoreDNS
// upgrade changes it, hits that are not NOERROR are written with WriteMsg instead.
type pluginWriter struct {
	dns.ResponseWriter
	plugin string
}

var pluginWriterType = func() reflect.Type {
	var got dns.ResponseWriter
	h := plugin.HandlerFunc(func(_ context.Context, w dns.ResponseWriter, _ *dns.Msg) (int, error) {
		got = w
		return 0, nil
	})
	plugin.NextOrFailure("answercache", h, context.Background(), &dnstest.Recorder{}, nil)
	t := reflect.TypeOf(got)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	want := reflect.TypeOf(pluginWriter{})
	s := t.Elem()
	if s.NumField() != want.NumField() || s.Size() != want.Size() {
		return nil
	}
	for i := 0; i < s.NumField(); i++ {
		a, b := s.Field(i), want.Field(i)
		if a.Type != b.Type || a.Offset != b.Offset || a.Anonymous != b.Anonymous {
			return nil
		}
	}
	return t
}()

// setRcode sets the rcode of the recorders above (log's dnstest.Recorder, prometheus'
// metrics.Recorder): their Write does not read it from the bytes, so without this an
// NXDOMAIN hit would be logged and counted as NOERROR. It reports false if a writer on
// the way could not be looked through and the rcode is not NOERROR, which they assume, or
// if the answer must be written as a message (a nested request's writer).
func setRcode(w dns.ResponseWriter, rcode int) bool {
	for i := 0; i < 64 && w != nil; i++ {
		switch x := w.(type) {
		case *metrics.Recorder:
			x.Rcode = rcode
			w = x.Recorder.ResponseWriter
		case *dnstest.Recorder:
			x.Rcode = rcode
			w = x.ResponseWriter
		case *request.ScrubWriter:
			// The server's: the client is below, or a nested request's nonwriter.
			_, nested := x.ResponseWriter.(*nonwriter.Writer)
			return !nested
		case *nonwriter.Writer:
			// A request asked through the chain by a plugin (upstream): the asker reads
			// the message from WriteMsg, and bytes would go to the client.
			return false
		case interface{ Unwrap() dns.ResponseWriter }:
			w = x.Unwrap()
		default:
			if pluginWriterType == nil || reflect.TypeOf(w) != pluginWriterType {
				return rcode == dns.RcodeSuccess // the server's end, or one we cannot look through
			}
			w = (*pluginWriter)(reflect.ValueOf(w).UnsafePointer()).ResponseWriter
		}
	}
	return rcode == dns.RcodeSuccess
}

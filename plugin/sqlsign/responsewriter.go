package sqlsign

import (
	"context"
	"strings"

	"github.com/miekg/dns"
)

// ResponseWriter edits (SOA-EDIT) and, for a DO query, signs the answer the
// chain below writes. It holds the answer, and ServeDNS signs and sends it
// (flush) once the chain returns: at the bottom of the chain, where the data
// plugin writes, a request's goroutine would grow its stack a second time
// to sign, which cost more than the signing itself.
type ResponseWriter struct {
	dns.ResponseWriter
	s      *SQLSign
	ctx    context.Context
	do     bool
	server string   // server label for metrics
	held   *dns.Msg // written by the chain, not sent yet
}

// WriteMsg implements dns.ResponseWriter. A plugin that writes twice has
// the first answer sent before the second is held.
func (w *ResponseWriter) WriteMsg(res *dns.Msg) error {
	if w.held != nil {
		if err := w.flush(); err != nil {
			return err
		}
	}
	w.held = res
	return nil
}

// flush edits, signs and sends the answer held, if any.
func (w *ResponseWriter) flush() error {
	res := w.held
	if res == nil {
		return nil
	}
	w.held = nil
	now := w.s.now()
	res.Answer = w.s.editSOAs(w.ctx, res.Answer, now)
	res.Ns = w.s.editSOAs(w.ctx, res.Ns, now)
	if w.do && w.s.signMsg(w.ctx, res, now, w.server) {
		answersSigned.WithLabelValues(w.server).Inc()
	}
	return w.ResponseWriter.WriteMsg(res)
}

// Write implements dns.ResponseWriter. A packed message cannot be signed:
// it goes out as it is.
func (w *ResponseWriter) Write(buf []byte) (int, error) {
	if err := w.flush(); err != nil {
		return 0, err
	}
	log.Warning("Write called instead of WriteMsg: answer not signed")
	return w.ResponseWriter.Write(buf)
}

func equalName(a, b string) bool { return strings.EqualFold(a, b) }

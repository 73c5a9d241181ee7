package sqlsign

import (
	"context"
	"strings"

	"github.com/miekg/dns"
)

// ResponseWriter edits (SOA-EDIT) and, for a DO query, signs the answer the
// chain below writes.
type ResponseWriter struct {
	dns.ResponseWriter
	s      *SQLSign
	ctx    context.Context
	do     bool
	server string // server label for metrics
}

// WriteMsg implements dns.ResponseWriter.
func (w *ResponseWriter) WriteMsg(res *dns.Msg) error {
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
	log.Warning("Write called instead of WriteMsg: answer not signed")
	return w.ResponseWriter.Write(buf)
}

func equalName(a, b string) bool { return strings.EqualFold(a, b) }

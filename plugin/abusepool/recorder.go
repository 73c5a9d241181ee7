package abusepool

import (
	"sync"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"

	"github.com/miekg/dns"
)

// recorder is the ResponseWriter a passed query goes down the chain with: it notes the
// rcode and size of what the plugins below write, for the inspector. Recorders are pooled,
// so passing a query costs no allocation.
type recorder struct {
	dns.ResponseWriter
	rcode int // inspect.NoAnswer until something is written
	bytes int
}

var recorders = sync.Pool{New: func() any { return new(recorder) }}

func getRecorder(w dns.ResponseWriter) *recorder {
	rw := recorders.Get().(*recorder)
	rw.ResponseWriter, rw.rcode, rw.bytes = w, inspect.NoAnswer, 0
	return rw
}

// putRecorder returns rw to the pool. The plugins below must be done with it: they are,
// once ServeDNS returned (a plugin that answers later, like a zone transfer, writes before
// it returns).
func putRecorder(rw *recorder) {
	rw.ResponseWriter = nil
	recorders.Put(rw)
}

// WriteMsg implements dns.ResponseWriter.
func (rw *recorder) WriteMsg(m *dns.Msg) error {
	rw.rcode = m.Rcode
	// A zone transfer writes many messages: the sizes add up.
	rw.bytes += wireSize(m)
	return rw.ResponseWriter.WriteMsg(m)
}

// wireSize is m's size on the wire without name compression: an upper bound of what is
// sent, found without allocating (the compressed size needs a map per message). For the
// answers amplification uses (DNSKEY, TXT, ANY) compression saves little: the bound is
// close.
func wireSize(m *dns.Msg) int {
	plain := *m
	plain.Compress = false
	return plain.Len()
}

// Write implements dns.ResponseWriter, for plugins that pack their answer themselves.
func (rw *recorder) Write(b []byte) (int, error) {
	if len(b) >= 4 {
		rw.rcode = int(b[3] & 0x0f)
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += n
	return n, err
}

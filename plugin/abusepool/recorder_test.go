package abusepool

import (
	"testing"

	"github.com/coredns/coredns/plugin/test"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"

	"github.com/miekg/dns"
)

func TestRecorderNotes(t *testing.T) {
	rw := getRecorder(&test.ResponseWriter{})
	if rw.rcode != inspect.NoAnswer || rw.bytes != 0 {
		t.Fatalf("fresh recorder: rcode %d bytes %d", rw.rcode, rw.bytes)
	}
	m := new(dns.Msg)
	m.SetRcode(question("www.example.org.", dns.TypeA), dns.RcodeNameError)
	rw.WriteMsg(m)
	if rw.rcode != dns.RcodeNameError || rw.bytes != m.Len() { // not compressed: the same
		t.Errorf("after WriteMsg: rcode %d bytes %d, want %d %d", rw.rcode, rw.bytes, dns.RcodeNameError, m.Len())
	}
	putRecorder(rw)

	rw = getRecorder(&test.ResponseWriter{})
	defer putRecorder(rw)
	m.Rcode = dns.RcodeServerFailure
	b, _ := m.Pack()
	rw.Write(b)
	if rw.rcode != dns.RcodeServerFailure || rw.bytes != len(b) {
		t.Errorf("after Write: rcode %d bytes %d, want %d %d (a pooled recorder starts afresh)", rw.rcode, rw.bytes, dns.RcodeServerFailure, len(b))
	}
}

// The recorder a passed query goes down the chain with costs no allocation.
func TestRecorderAllocationFree(t *testing.T) {
	w := &test.ResponseWriter{}
	m := new(dns.Msg)
	m.SetReply(question("www.example.org.", dns.TypeA))
	m.Answer = append(m.Answer, test.A("www.example.org. 300 IN A 192.0.2.80"), test.A("www.example.org. 300 IN A 192.0.2.81"))
	m.Compress = true // as most answers are
	allocs := testing.AllocsPerRun(1000, func() {
		rw := getRecorder(w)
		rw.WriteMsg(m)
		putRecorder(rw)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per recorded answer, want 0", allocs)
	}
}

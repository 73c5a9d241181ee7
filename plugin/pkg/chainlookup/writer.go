package chainlookup

import (
	"net"

	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"
)

// LocalWriter is the dns.ResponseWriter of a request no client sent: an upstream query
// built by alias, a health checker resolving a pool member. Plugins only ask it for the
// transport (UDP, from 127.0.0.1) and what it wrote, which it drops.
type LocalWriter struct{}

var localAddr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}

func (LocalWriter) LocalAddr() net.Addr         { return localAddr }
func (LocalWriter) RemoteAddr() net.Addr        { return localAddr }
func (LocalWriter) WriteMsg(*dns.Msg) error     { return nil }
func (LocalWriter) Write(b []byte) (int, error) { return len(b), nil }
func (LocalWriter) Close() error                { return nil }
func (LocalWriter) TsigStatus() error           { return nil }
func (LocalWriter) TsigTimersOnly(bool)         {}
func (LocalWriter) Hijack()                     {}

// LocalRequest is the request of a lookup no DNS client sent (a health check, the
// redirector's question for a Host): name and qtype, through a LocalWriter.
func LocalRequest(name string, qtype uint16) request.Request {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	return request.Request{W: LocalWriter{}, Req: m}
}

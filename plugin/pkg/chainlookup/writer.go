package chainlookup

import (
	"net"

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

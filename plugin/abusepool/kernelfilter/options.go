package kernelfilter

import (
	"net/netip"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

var log = clog.NewWithPlugin("abusepool")

// RuleSource is the live rule list (state.State): Set changes (a new pointer) on every
// change and expiry, Rules lists the rules in precedence order.
type RuleSource interface {
	Set() *rules.Set
	Rules() []rules.Rule
}

// Defaults of Options.
const (
	DefaultPoll   = 100 * time.Millisecond
	DefaultRescan = time.Second
)

// Options say which sockets get the filter and where its prefixes come from.
type Options struct {
	Port   int          // the server block's port
	Hosts  []netip.Addr // the addresses it listens on; empty: any
	Rules  RuleSource
	Poll   time.Duration // how often the rules are looked at; default DefaultPoll
	Rescan time.Duration // how often the process's sockets are looked for; default DefaultRescan
	Sample uint32        // 1 in Sample dropped packets let through (ValidSample); 0: none
}

func (o *Options) defaults() {
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Rescan <= 0 {
		o.Rescan = DefaultRescan
	}
}

// wants reports whether a UDP socket bound to local is one of the server's.
func (o *Options) wants(local netip.AddrPort) bool {
	if int(local.Port()) != o.Port {
		return false
	}
	if len(o.Hosts) == 0 {
		return true
	}
	a := local.Addr().Unmap()
	for _, h := range o.Hosts {
		if h.Unmap() == a {
			return true
		}
	}
	return false
}

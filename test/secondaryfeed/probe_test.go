package secondaryfeed_test

import (
	"sync"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// The xfrprobe directive, first in the chain for this test binary only,
// hands the test the handler that follows it, as secondaryfeed finds its
// data plugin: the first handler below it implementing xfrmeta.Source.
var (
	probeMu sync.Mutex
	probed  xfrmeta.Source
)

func init() {
	caddy.RegisterPlugin("xfrprobe", caddy.Plugin{ServerType: "dns", Action: setupProbe})
	if err := dnsserver.SetDirectives(append([]string{"xfrprobe"}, dnsserver.Directives...)); err != nil {
		panic(err)
	}
}

func setupProbe(c *caddy.Controller) error {
	c.Next()
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		if src, ok := next.(xfrmeta.Source); ok {
			probeMu.Lock()
			probed = src
			probeMu.Unlock()
		}
		return next
	})
	return nil
}

func source() xfrmeta.Source {
	probeMu.Lock()
	defer probeMu.Unlock()
	return probed
}

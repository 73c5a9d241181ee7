package sqlbackend

import (
	"context"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/transfer"
)

func init() { plugin.Register("sqlbackend", setup) }

func setup(c *caddy.Controller) error {
	b, cfg, err := parse(c)
	if err != nil {
		return plugin.Error("sqlbackend", err)
	}

	acquired := false
	c.OnStartup(func() error {
		if t, ok := dnsserver.GetConfig(c).Handler("transfer").(*transfer.Transfer); ok {
			b.xfer.Store(t)
		}
		b.shutdown, b.cancelShutdown = context.WithCancel(context.Background())
		src, err := acquire(cfg, b)
		if err != nil {
			return plugin.Error("sqlbackend", err)
		}
		acquired = true
		b.src.Store(src)
		return nil
	})
	c.OnShutdown(func() error {
		if !acquired {
			return nil
		}
		acquired = false
		b.cancelShutdown()
		src := b.src.Load()
		src.unsubscribe(b)
		src.release()
		return nil
	})

	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		b.Next = next
		return b
	})
	return nil
}

package sqlbackend

import (
	"context"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
)

func init() { plugin.Register("sqlbackend", setup) }

func setup(c *caddy.Controller) error {
	b, cfg, err := parse(c)
	if err != nil {
		return plugin.Error("sqlbackend", err)
	}

	acquired := false
	c.OnStartup(func() error {
		ns := zoneNotifiers(dnsserver.GetConfig(c).Handlers(), b)
		b.notifiers.Store(&ns)
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

// zoneNotifier is a plugin told when a zone changed: the transfer plugin (which sends
// NOTIFY) and secondaryfeed (which builds the fed zone again).
type zoneNotifier interface {
	Notify(zone string) error
}

// zoneNotifiers returns every handler of the server block, b aside, that is a
// zoneNotifier, in chain order.
func zoneNotifiers(handlers []plugin.Handler, b *SQLBackend) []zoneNotifier {
	var out []zoneNotifier
	for _, h := range handlers {
		if n, ok := h.(zoneNotifier); ok && h != plugin.Handler(b) {
			out = append(out, n)
		}
	}
	return out
}

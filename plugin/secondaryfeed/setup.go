package secondaryfeed

import (
	"sync"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/redis/go-redis/v9"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

func init() { plugin.Register("secondaryfeed", setup) }

func setup(c *caddy.Controller) error {
	zones, cfg, err := parse(c)
	if err != nil {
		return plugin.Error("secondaryfeed", err)
	}
	f := newFeed(zones)
	f.Poll = cfg.poll
	f.Allow = allowPrefixes(cfg.allow)
	if len(cfg.to) > 0 {
		f.Notifier = &staticNotifier{to: cfg.to, timeout: 2 * time.Second}
	}
	var client *redis.Client
	if cfg.redisAddr != "" {
		client = redis.NewClient(&redis.Options{Addr: cfg.redisAddr})
		f.Store = journal.NewRedis(client, cfg.redisPrefix, cfg.journal)
	} else {
		f.Store = memoryStore(cfg.journal)
	}

	c.OnStartup(func() error {
		for _, h := range dnsserver.GetConfig(c).Handlers() {
			if t, ok := h.(transfer.Transferer); ok {
				f.sources = append(f.sources, t)
			}
		}
		f.start()
		return nil
	})
	c.OnShutdown(func() error {
		f.stop()
		if client != nil {
			return client.Close()
		}
		return nil
	})
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		f.Next = next
		return f
	})
	return nil
}

var (
	memoryMu     sync.Mutex
	memoryStores = map[journal.Options]*journal.Memory{}
)

// memoryStore returns the process's memory journal for opt: it outlives reloads, so the
// fed serials keep climbing across them (a fresh journal would restart at the source's
// serial, behind what the secondaries hold). A restart loses it: use redis for that.
func memoryStore(opt journal.Options) *journal.Memory {
	memoryMu.Lock()
	defer memoryMu.Unlock()
	m := memoryStores[opt]
	if m == nil {
		m = journal.NewMemory(opt)
		memoryStores[opt] = m
	}
	return m
}

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
	}

	started := false
	c.OnStartup(func() error {
		if client == nil {
			f.Store = acquireMemory(cfg.journal)
		}
		for _, h := range dnsserver.GetConfig(c).Handlers() {
			if t, ok := h.(transfer.Transferer); ok {
				f.sources = append(f.sources, t)
			}
		}
		f.start()
		started = true
		return nil
	})
	c.OnShutdown(func() error {
		if !started {
			return nil
		}
		started = false
		f.stop()
		if client != nil {
			return client.Close()
		}
		releaseMemory(cfg.journal)
		return nil
	})
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		f.Next = next
		return f
	})
	return nil
}

// The memory journals are shared and counted: a reload starts the new instance (which
// takes a reference) before it shuts the old one down, so the journal, and the fed
// serials, outlive reloads; a fresh journal would restart at the source's serial, behind
// what the secondaries hold. When the last instance stops, the journal goes. A restart
// loses it: use redis for that.
var (
	memoryMu     sync.Mutex
	memoryStores = map[journal.Options]*sharedMemory{}
)

type sharedMemory struct {
	store *journal.Memory
	refs  int
}

func acquireMemory(opt journal.Options) *journal.Memory {
	memoryMu.Lock()
	defer memoryMu.Unlock()
	m := memoryStores[opt]
	if m == nil {
		m = &sharedMemory{store: journal.NewMemory(opt)}
		memoryStores[opt] = m
	}
	m.refs++
	return m.store
}

func releaseMemory(opt journal.Options) {
	memoryMu.Lock()
	defer memoryMu.Unlock()
	if m := memoryStores[opt]; m != nil {
		if m.refs--; m.refs <= 0 {
			delete(memoryStores, opt)
		}
	}
}

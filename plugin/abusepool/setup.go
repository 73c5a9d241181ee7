package abusepool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	clog "github.com/coredns/coredns/plugin/pkg/log"

	"github.com/hostdns/hostdns/plugin/abusepool/api"
	"github.com/hostdns/hostdns/plugin/abusepool/dynamic"
	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/kernelfilter"
	"github.com/hostdns/hostdns/plugin/abusepool/ratelimit"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/abusepool/state"

	"github.com/redis/go-redis/v9"
)

var log = clog.NewWithPlugin("abusepool")

func init() { plugin.Register("abusepool", setup) }

// How often the dynamic thresholds are checked (four times a second: a flood is blocked, in
// the kernel with kernel_drop, within about 350 ms of its start; a check reads only the
// buckets of each threshold's WINDOW), and how long a dynamic rule may take to be written (to
// Redis, when configured).
const (
	dynamicEvery   = 250 * time.Millisecond
	dynamicTimeout = 2 * time.Second
	apiStopTimeout = 5 * time.Second
)

func setup(c *caddy.Controller) error {
	cfg, err := parse(c, time.Now())
	if err != nil {
		return plugin.Error("abusepool", err)
	}
	a, lc, err := build(cfg, strings.Join(c.ServerBlockKeys, " "))
	if err != nil {
		return plugin.Error("abusepool", err)
	}
	if cfg.kernelDrop {
		if lc.kernelOpts, err = kernelOptions(dnsserver.GetConfig(c)); err != nil {
			return plugin.Error("abusepool", err)
		}
		lc.kernelOpts.Sample = cfg.kernelSamp
	}
	// A reload starts the new instance before it shuts this one down: the API listener is
	// closed first (OnRestart) so the new one can bind its address, and opened again if the
	// reload fails. Everything else runs until OnShutdown, so the rules keep applying.
	c.OnStartup(lc.start)
	c.OnRestart(func() error { lc.stopAPI(); return nil })
	c.OnRestartFailed(lc.startAPI)
	c.OnShutdown(func() error { lc.stop(); return nil })

	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		a.Next = next
		return a
	})
	return nil
}

// build makes the plugin and its running parts from cfg, which parse checked, for the
// server block named block; nothing runs until start. The inspector and the dynamic engine
// are made at start: the inspector may be the one of the instance a reload replaces.
func build(cfg *config, block string) (*AbusePool, *lifecycle, error) {
	lc := &lifecycle{apiAddr: cfg.apiAddr, token: cfg.token, block: block, inspectCfg: cfg.inspect, thresholds: cfg.thresholds}
	if cfg.redisAddr != "" {
		opts, err := redisOptions(cfg.redisAddr)
		if err != nil {
			return nil, nil, err
		}
		lc.redis = redis.NewClient(opts)
	}
	lc.pools = map[string]*abusePool{}
	for _, pc := range cfg.pools {
		lc.pools[pc.name] = newAbusePool(pc)
	}
	so := state.Options{Prefix: cfg.redisPrefix, PoolExists: cfg.poolExists}
	lo := ratelimit.Options{MaxKeys: cfg.limiterKeys, Prefix: cfg.redisPrefix}
	if lc.redis != nil {
		// A nil *redis.Client in the interface would not be nil: set only when there is one.
		so.Redis, lo.Redis = lc.redis, lc.redis
	}
	lc.state = state.New(cfg.rules, so)
	lc.limiter = ratelimit.New(lo)
	a := &AbusePool{
		state: lc.state, limiter: lc.limiter, pools: lc.pools,
		counters: newActionCounters(), now: time.Now,
	}
	lc.plugin = a
	return a, lc, nil
}

// redisOptions reads "HOST:PORT" or a redis:// (rediss://) URL. Timeouts are short: a
// slow Redis must not hold up the rules, which fall back to what the node knows.
func redisOptions(addr string) (*redis.Options, error) {
	if strings.HasPrefix(addr, "redis://") || strings.HasPrefix(addr, "rediss://") {
		o, err := redis.ParseURL(addr)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", addr, err)
		}
		return o, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("%q is neither HOST:PORT nor a redis:// URL", addr)
	}
	return &redis.Options{Addr: addr, DialTimeout: 2 * time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second}, nil
}

// lifecycle starts and stops what runs beside the handler: the inspector's aggregator, the
// state's Redis subscription and expiry, the limiter's Redis sync, the dynamic engine, the
// pools' health checks and the API listener. Stopping ends every goroutine, listener and
// Redis client, so a reload leaks none.
type lifecycle struct {
	block      string // the server block's keys
	inspectCfg inspect.Config
	thresholds []dynamic.Threshold
	plugin     *AbusePool

	redis     *redis.Client      // nil without Redis
	inspector *inspect.Inspector // set at start
	state     *state.State
	limiter   *ratelimit.Limiter
	engine    *dynamic.Engine // nil without thresholds
	pools     map[string]*abusePool
	backend   backend

	apiAddr, token string
	apiMu          sync.Mutex
	api            *api.Server // nil when not listening

	kernelOpts *kernelfilter.Options // nil without kernel_drop
	kernel     *kernelfilter.Filter  // set at start

	startOnce, stopOnce sync.Once
	started             bool
}

// start runs every part; if one fails, those already running are stopped.
func (lc *lifecycle) start() error {
	var err error
	lc.startOnce.Do(func() {
		prev := lc.takeOver()
		if err = lc.state.Start(); err != nil {
			lc.giveBack(prev)
			err = fmt.Errorf("abusepool: %w", err)
			return
		}
		lc.inspector = acquireInspector(inspectorKey(lc.block, lc.inspectCfg), lc.inspectCfg)
		// Set before the servers start: caddy runs the startup functions first.
		lc.plugin.inspector = lc.inspector
		lc.backend = backend{inspector: lc.inspector, state: lc.state}
		if len(lc.thresholds) > 0 {
			lc.engine = dynamic.New(lc.thresholds, lc.inspector, engineStore{lc.state})
		}
		if lc.kernelOpts != nil {
			lc.kernelOpts.Rules = lc.state
			if lc.kernel, err = kernelfilter.New(*lc.kernelOpts); err != nil {
				lc.state.Stop()
				lc.giveBack(prev)
				err = fmt.Errorf("abusepool: %w", err)
				return
			}
			lc.kernel.Start()
			lc.plugin.kernel = lc.kernel // before the servers start, as the inspector
		}
		lc.limiter.Start()
		for _, p := range lc.pools {
			p.start()
		}
		if lc.engine != nil {
			lc.engine.Start(dynamicEvery)
		}
		lc.started = true
		if err = lc.startAPI(); err != nil {
			lc.stop()
		}
	})
	return err
}

// startAPI opens the API listener, if there is an API. A stopped api.Server is not
// started again: each start makes a new one.
func (lc *lifecycle) startAPI() error {
	if lc.apiAddr == "" {
		return nil
	}
	lc.apiMu.Lock()
	defer lc.apiMu.Unlock()
	if lc.api != nil {
		return nil
	}
	s, err := api.New(lc.apiAddr, lc.token, lc.backend)
	if err != nil {
		return fmt.Errorf("abusepool: api %s: %w", lc.apiAddr, err)
	}
	if err := s.Start(); err != nil {
		return fmt.Errorf("abusepool: api %s: %w", lc.apiAddr, err)
	}
	lc.api = s
	return nil
}

func (lc *lifecycle) stopAPI() {
	lc.apiMu.Lock()
	defer lc.apiMu.Unlock()
	if lc.api == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), apiStopTimeout)
	defer cancel()
	if err := lc.api.Stop(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warningf("stopping the API on %s: %v", lc.apiAddr, err)
	}
	lc.api = nil
}

// stop ends everything, in the reverse order of start; the Redis client last, once
// nothing uses it. It runs once, whether start ran or not.
func (lc *lifecycle) stop() {
	lc.stopOnce.Do(func() {
		lc.stopAPI()
		if lc.started {
			if lc.engine != nil {
				lc.engine.Stop()
			}
			for _, p := range lc.pools {
				p.stop()
			}
			lc.limiter.Stop()
			if lc.kernel != nil {
				lc.kernel.Stop() // detaches: a reload without kernel_drop leaves no filter
			}
			lc.state.Stop()
			releaseInspector(inspectorKey(lc.block, lc.inspectCfg))
			lc.leave()
		}
		if lc.redis != nil {
			lc.redis.Close()
		}
	})
}

// engineStore is the state as the dynamic engine writes to it: each write bounded by
// dynamicTimeout (Redis, when configured).
type engineStore struct{ st *state.State }

func (s engineStore) Add(r rules.Rule) error {
	ctx, cancel := context.WithTimeout(context.Background(), dynamicTimeout)
	defer cancel()
	_, err := s.st.Add(ctx, r)
	return err
}

func (s engineStore) Extend(id string, until time.Time, minGain time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dynamicTimeout)
	defer cancel()
	return s.st.Extend(ctx, id, until, minGain)
}

// kernelOptions are the socket filter's: the server block's port and the addresses it
// listens on (bind), any address when it does not bind.
func kernelOptions(sc *dnsserver.Config) (*kernelfilter.Options, error) {
	port, err := strconv.Atoi(sc.Port)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("kernel_drop: the server block's port %q is not one the filter can find (port 0 is chosen by the kernel)", sc.Port)
	}
	o := &kernelfilter.Options{Port: port}
	for _, h := range sc.ListenHosts {
		a, err := netip.ParseAddr(h)
		if err != nil {
			return &kernelfilter.Options{Port: port}, nil // "" (every address) or a name: any
		}
		o.Hosts = append(o.Hosts, a)
	}
	return o, nil
}

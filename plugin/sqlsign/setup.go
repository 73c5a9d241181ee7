package sqlsign

import (
	"errors"
	"strconv"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"

	"github.com/hostdns/hostdns/plugin/pkg/signsource"
)

func init() { plugin.Register("sqlsign", setup) }

// defaultCacheSize is the number of signatures kept by default; one entry
// costs about 275 bytes of heap (ECDSA P-256, Ed25519) to 530 bytes
// (RSA-2048), measured by BenchmarkCacheEntryBytes.
const defaultCacheSize = 100000

const maxCacheSize = 100_000_000

// errNoSource is the startup error of a block without a data plugin that
// supplies keys.
var errNoSource = errors.New("sqlsign needs sqlbackend (a plugin that supplies zone keys) in the same server block")

func setup(c *caddy.Controller) error {
	zones, size, err := parse(c)
	if err != nil {
		return plugin.Error("sqlsign", err)
	}
	s := New(zones, size)
	config := dnsserver.GetConfig(c)
	// The handlers exist once every plugin of the block is set up: found
	// at startup, as the transfer plugin finds its Transferers.
	c.OnStartup(func() error { return s.findSources(config.Handlers()) })
	config.AddPlugin(func(next plugin.Handler) plugin.Handler {
		s.Next = next
		return s
	})
	return nil
}

// findSources keeps the handlers that are signsource.Sources.
func (s *SQLSign) findSources(handlers []plugin.Handler) error {
	for _, h := range handlers {
		if src, ok := h.(signsource.Source); ok {
			s.sources = append(s.sources, src)
		}
	}
	if len(s.sources) == 0 {
		return plugin.Error("sqlsign", errNoSource)
	}
	return nil
}

// parse reads `sqlsign [ZONES...] { cache_size N }`.
func parse(c *caddy.Controller) ([]string, int, error) {
	var zones []string
	size := defaultCacheSize
	i := 0
	for c.Next() {
		if i > 0 {
			return nil, 0, c.Err(plugin.ErrOnce.Error())
		}
		i++
		zones = plugin.OriginsFromArgsOrServerBlock(c.RemainingArgs(), c.ServerBlockKeys)
		for c.NextBlock() {
			switch c.Val() {
			case "cache_size":
				args := c.RemainingArgs()
				if len(args) != 1 {
					return nil, 0, c.ArgErr()
				}
				n, err := strconv.Atoi(args[0])
				if err != nil || n < 1 || n > maxCacheSize {
					return nil, 0, c.Errf("cache_size: %q is not a number from 1 to %d", args[0], maxCacheSize)
				}
				size = n
			default:
				return nil, 0, c.Errf("unknown property %q", c.Val())
			}
		}
	}
	return zones, size, nil
}

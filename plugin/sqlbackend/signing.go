package sqlbackend

import (
	"context"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/hostdns/hostdns/plugin/pkg/signsource"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
)

// SigningZone implements signsource.Source: the sqlsign plugin above asks
// it for the zone and keys of each RRset it signs.
func (b *SQLBackend) SigningZone(ctx context.Context, name string) signsource.Zone {
	src := b.src.Load()
	if src == nil || !src.loaded.Load() {
		return nil
	}
	origin, z, err := src.zones.Match(ctx, name)
	if err != nil || z == nil || b.Origins.Match(origin) == "" {
		return nil
	}
	keys := src.keys.get(origin)
	if keys == nil {
		return nil
	}
	return signingZone{z, keys}
}

// signingZone is one version of a zone with its keys: the zone answers
// Origin and Wildcard.
type signingZone struct {
	*zone.Zone
	keys *pdnskeys.Keyring
}

func (s signingZone) Keys() *pdnskeys.Keyring { return s.keys }

// Package xfrmeta is how a data plugin tells secondaryfeed the transfer
// settings of its zones, kept the PowerDNS way: domainmetadata rows of the
// kinds below and the tsigkeys table. sqlbackend implements Source; a plugin
// that keeps no such settings (file, auto) does not, and its zones get the
// Corefile's policies alone.
package xfrmeta

import "net/netip"

// The domainmetadata kinds read, as PowerDNS names them.
const (
	// KindAllowAXFRFrom lists prefixes (or AUTO-NS) that may transfer the zone.
	KindAllowAXFRFrom = "ALLOW-AXFR-FROM"
	// KindAlsoNotify lists addresses, with an optional port, to NOTIFY.
	KindAlsoNotify = "ALSO-NOTIFY"
	// KindTSIGAllowAXFR lists the TSIG keys that may transfer the zone; the
	// first also signs the zone's NOTIFYs (PowerDNS's send-signed-notify).
	KindTSIGAllowAXFR = "TSIG-ALLOW-AXFR"
	// KindAXFRMasterTSIG names the key a secondary zone signs its transfer
	// requests to its primary with.
	KindAXFRMasterTSIG = "AXFR-MASTER-TSIG"
)

// AutoNS is the ALLOW-AXFR-FROM value that allows the addresses of the
// zone's own NS records.
const AutoNS = "AUTO-NS"

// Zone is a zone's transfer settings, parsed.
type Zone struct {
	// Allow are the ALLOW-AXFR-FROM prefixes (a bare address is a /32 or /128).
	Allow []netip.Prefix
	// AutoNS is set when ALLOW-AXFR-FROM has AUTO-NS: the addresses of the
	// zone's NS targets may transfer it too. Resolving them is the consumer's.
	AutoNS bool
	// AlsoNotify are the ALSO-NOTIFY targets as host:port (port 53 when none).
	AlsoNotify []string
	// Keys are the TSIG-ALLOW-AXFR key names (lower case, fully qualified),
	// in row order: PowerDNS signs the zone's NOTIFYs with the first.
	Keys []string
	// MasterKey is AXFR-MASTER-TSIG: for a secondary zone, the key its
	// transfer requests are signed with. A primary feeding the zone has no
	// use for it; it is kept so the settings are complete.
	MasterKey string
	// Problems are the rows skipped as unreadable, said once per change.
	Problems []string
}

// NotifyKey is the key that signs the zone's NOTIFYs: the first
// TSIG-ALLOW-AXFR key, as PowerDNS does; "" for unsigned.
func (z Zone) NotifyKey() string {
	if len(z.Keys) == 0 {
		return ""
	}
	return z.Keys[0]
}

// Key is a row of the tsigkeys table, checked: Algorithm is the fully
// qualified name miekg/dns uses, Secret the base64 secret.
type Key struct {
	Name      string
	Algorithm string
	Secret    string
}

// Source is what a data plugin with transfer settings implements.
// Both methods answer from memory: they are called for each transfer
// request and each NOTIFY round.
type Source interface {
	// XfrMeta returns the settings of zone (fully qualified); ok is false
	// when the source does not serve zone.
	XfrMeta(zone string) (z Zone, ok bool)
	// TSIGKey returns the key named name (any case, fully qualified).
	TSIGKey(name string) (k Key, ok bool)
}

// Lister is a data plugin that can list the zones it serves (sqlbackend): secondaryfeed
// with `discover` feeds each of them as zones come and go. A Lister also tells of every
// change of its zones, added and removed ones included, through secondaryfeed's Notify.
type Lister interface {
	// Zones returns the zones served, fully qualified, in no order; ok is false while
	// the plugin cannot tell yet (its first load is not done).
	Zones() (zones []string, ok bool)
}

// Package signsource is what a data plugin tells an online signer about the
// zones it serves: each zone's keys and which names a wildcard answers. The
// data plugin itself puts the (unsigned) NSEC or NSEC3 records of
// authenticated denial in its answers; the signer, above it and above the
// plugins that make ALIAS, POOL and URL answers, signs what the chain
// answered.
package signsource

import (
	"context"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
)

// Source is implemented by data plugins whose zones are signed online. The
// signer finds it among its server block's handlers, as the transfer plugin
// finds Transferers.
//
// The signer remembers signatures by the identity of the records signed: a
// Source hands out the records it keeps, and makes the NSEC records of a
// zone version once (an NSEC made anew for every answer would fill the
// signer's cache with entries never found again). NSEC3 records, white lies
// made per query name, are signed by content.
type Source interface {
	// SigningZone returns the served zone that holds name (the longest
	// match) when it has active keys and is not pre-signed; nil otherwise.
	SigningZone(ctx context.Context, name string) Zone
}

// Zone is one version of a zone signed online.
type Zone interface {
	// Origin is the zone's apex: lower case, fully qualified.
	Origin() string
	// Keys are the zone's keys and DNSSEC settings. Never nil.
	Keys() *pdnskeys.Keyring
	// Wildcard returns the wildcard owner ("*.closest.encloser.") whose
	// records a query for name is answered from, "" when name is answered
	// from its own records or not at all. The signer signs an expanded
	// RRset over the wildcard's owner (RFC 4035 5.3.2: the Labels field).
	Wildcard(name string) string
}

package zone

import "github.com/miekg/dns"

// lies keeps the NSEC3 white lies that versions signed online have made
// (kept.go), so that a name denied again gets the very same records. An
// entry names its version's denial, which a patch replaces: a new version
// never finds an older version's lies, whose TTL or bitmap may differ.
var lies = keptTable[lieKey]{size: lieSlots}

// lieSlots holds the hot negative names of a large deployment: 131,072
// pointers and hashes (2 MiB) and as many lies at most (296 bytes each:
// BenchmarkLieBytes).
const lieSlots = 1 << 17

type lieKey struct {
	den   *denial
	cover bool
	name  string
}

// lie returns the NSEC3 record kept for k, or build's.
func lie(k lieKey, build func() dns.RR) []dns.RR {
	return lies.get(k, func() []dns.RR { return []dns.RR{build()} })
}

// Package zone is the zone engine of the sqlbackend plugin: one immutable
// version of an authoritative zone, built once (Builder) or made from the
// previous version by a patch (Zone.Patch), and its lookup (Zone.Lookup).
//
// # Structure
//
// A Zone holds its owner names in canonical order (RFC 4034 6.1), each with
// all its records in one slice sorted by type (RRSIGs by the type they
// cover), records of one type in the order added. An RRset, or the RRSIGs
// over one, is a contiguous run, returned as a clipped sub-slice: no copy,
// no allocation, and an append by a later plugin copies rather than writes
// into the zone.
//
// An owner is ordered by a key: its labels from the root down, lower-cased,
// escapes decoded, each ended by 0x00 (0x00 and 0x01 in a label written as
// 0x01 0x01 and 0x01 0x02), relative to the origin. Plain byte order of keys
// is the canonical order, and the key of a name is a prefix of the keys of
// exactly the names below it, so an empty non-terminal, a closest encloser
// or the NSEC covering a name are found with one ordered search, and Walk,
// Prev and Next (for AXFR, NSEC/NSEC3) come for free.
//
// The owners of a small zone (up to 64, with up to 1,024 records) are packed
// flat: all keys in one string, all records in one array, and per owner
// where its key and records lie, 16 bytes in an array without pointers
// (flatOwners). Those of a big one are a copy-on-write B-tree
// (github.com/google/btree, items by value, one free list shared by all
// trees) of owners, each a key and a slice header with no pointer of its own
// to chase, packed the same way when built. file.Zone keeps per owner a tree
// node, an Elem and a Go map of slices: some 6.6 heap objects a record
// against 3.0 here, which is what the garbage collector marks and what
// spreads lookups over cache lines.
//
// Measured (go test -bench Memory -benchtime=1x, records included, which
// alone take ~115 B and 2.66 objects a record):
//
//	100,000 zones x 10 records: file 347 B, 5.67 objects a record; Zone 156 B, 2.97
//	1 zone x 1,000,000 records: file 403 B, 6.61 objects a record; Zone 199 B, 2.75
//
// A version is never written once made. Patch copies the owners it touches
// (and, for a small zone, packs its owners anew; for a big one, by the
// B-tree's lazy Clone, the nodes on their paths) and shares all else with
// the version it came from, which goes on answering unchanged: O(owners
// touched x log n).
//
// # Lookup
//
// Lookup answers as the file plugin's (file.Zone.Lookup, CoreDNS v1.15.0)
// does: authority NS on positive answers, glue, DS (with DO) in referrals,
// DS answered at the cut, DNAME, a chain of at most ten CNAMEs, the apex
// SOA/NS answers, RRSIGs and NSECs of pre-signed data with DO, the
// additional section for MX, SRV, SVCB and HTTPS targets in the zone, the
// Chaser's External for targets outside the served zones, and the same
// result codes. Where file breaks an RFC it answers as the RFC says; the
// differential test (diff_test.go, deviations_test.go) holds each place to
// a predicate citing its section:
//
//   - An empty non-terminal exists: NODATA, and no wildcard matches it or
//     names below it whose own wildcard does not exist (RFC 4592 2.2.2,
//     3.3.1; RFC 8020 2). file synthesises from a wildcard above it, or
//     answers NOERROR with Result Success.
//   - Negative answers (NXDOMAIN, NODATA) carry the SOA with TTL
//     min(SOA TTL, MINIMUM) (RFC 2308 3 and 5), and its RRSIGs with that
//     TTL (RFC 4034 3). file sends the SOA's own TTL.
//   - A CNAME chain into another zone served here, a sibling or a child
//     below a delegation of this zone, continues in that zone (RFC 1034
//     4.3.2 step 3a). file stops at its own cut with a referral.
//   - A chain ending at a name without the type is NODATA with the SOA (RFC
//     2308 2.2); file answers NOERROR with the NS. A chain's negative answer
//     carries the SOA (and with DO the NSECs) of the zone where the chain
//     ended (RFC 2308 2.1/2.2, RFC 4035 3.1.3), or for a target outside
//     every served zone the SOA of the External answer's authority section;
//     file sends its own zone's SOA. A positive answer after a chain into
//     another served zone carries that zone's NS and additional data (the
//     zone that holds the answer, as NSD and BIND send it); within one zone
//     the zone asked's, as file.
//   - SVCB/HTTPS with TargetName "." in ServiceMode means the owner (RFC
//     9460 2.5.2): its A/AAAA go in the additional section (RFC 9460 4.1).
//   - Denial with DO: the covering NSEC is that of the last name at or
//     before the one denied that holds an NSEC (glue holds none; file then
//     sends none), and NXDOMAIN denies the wildcard at the closest encloser,
//     which may be an empty non-terminal (RFC 4035 3.1.3.2, RFC 4592 3.3.1).
//   - NODATA from a wildcard carries, besides the wildcard's NSEC, the one
//     covering qname (RFC 4035 3.1.3.4), and from a wildcard that is an
//     empty non-terminal the NSECs covering qname and the wildcard; file
//     sends the wildcard's alone, or none.
//   - The RRSIGs of a CNAME synthesised from a wildcard carry the expanded
//     owner name (RFC 4035 3.1.3.3); file sends the wildcard's.
//   - A CNAME synthesised from a wildcard that points to itself is a loop:
//     SERVFAIL, as file answers any other CNAME to itself (RFC 1034 3.6.2);
//     file follows it through its upstream until its loop limit. Likewise
//     chains for NS queries end at the same limit as for other types (file
//     sends those through its upstream, with another).
//   - An RRSIG query at the apex returns every RRSIG there, those over the
//     SOA and NS included (RFC 1034 4.3.2 step 3a); file keeps those apart.
//   - A zone whose apex has only SOA and NS answers NODATA for other types
//     there (RFC 1034 4.3.2); file answers NXDOMAIN.
//
// Kept as file has them, with the reason:
//
//   - ANY is answered NODATA: the any plugin (RFC 8482) answers ANY before
//     the zone is asked.
//   - A chain stops after ten CNAMEs with NOERROR and the chain so far: the
//     resolver follows on (RFC 1034 5.3.3 leaves the bound to servers).
//   - With DO, wildcard answers reached through a chain, and CNAMEs
//     synthesised from a wildcard, come without the NSEC proving that no
//     closer name exists (RFC 4035 3.1.3.3 asks for it): file's shape, for
//     pre-signed data. Online denial (below) sends it.
//   - A DNAME substitution longer than 255 octets should be YXDOMAIN (RFC
//     6672 2.2); there is no Result for it: it is chased like file does.
//   - NSEC3 records are held (file refuses them). A pre-signed zone with an
//     NSEC3PARAM at its apex and no NSEC there proves denial with its own
//     NSEC3 records as RFC 5155 7.2 says (presigned3.go): file sends none.
//
// # Online denial
//
// A zone signed online (WithDenial) holds no DNSSEC records of its own: a
// signer above signs every RRset of the answer and authority sections, and
// answers DNSKEY, CDS and CDNSKEY at the apex itself. With DO the engine
// puts in the unsigned NSEC or NSEC3 records that authenticated denial
// needs (RFC 4035 3.1.3, 3.1.4.1; RFC 5155 7.2), made per answer from the
// version asked, with the negative TTL (RFC 9077) and class IN, and no
// RRSIG, NSEC, NSEC3, NSEC3PARAM or DNSKEY row the zone holds is answered
// or listed in a bitmap. Zone.Wildcard tells the signer which wildcard
// answered a name, for the RRSIG's Labels field.
//
// NSEC follows the zone's canonical order: its authoritative names and its
// cuts, no glue, no occluded name, the last pointing back to the apex. The
// owners are kept in that order already, so the NSEC at a name or covering
// one is a search or two in the owner set, O(log n), in any version however
// patched: nothing is stored or rebuilt per version.
//
// NSEC3 is made of "white lies", as PowerDNS's narrow mode, whatever the
// NSEC3PARAM says: the NSEC3 matching a name has the name's hash H as owner
// and H+1 as next hashed owner, one covering a name H-1 and H+1 (nsec3.go).
// A real hashed chain orders every name of the zone by hash, which a
// version would have to redo (hash and sort all names) for each patch: a
// million-record zone patched many times a second cannot afford that.
// White lies validate the same (RFC 5155 8 asks only that records match or
// cover), cost a few hashes per negative answer, and show no hash of a name
// that exists but the one asked for, so the zone cannot be walked.
//
// Bitmaps list the types held, RRSIG (and NSEC), at the apex the signer's
// types (Denial.ApexTypes) and with NSEC3 NSEC3PARAM; at a cut NS, DS if
// any, and RRSIG where the parent signs something. A name holding ALIAS or
// URL lists A and AAAA, one holding POOL lists CNAME: the plugins above
// answer those for it.
//
// Builder and Patch also lower-case, as file.Zone.Insert does, the names in
// NS, SOA, CNAME, MX, SVCB and HTTPS data, and write escapes in owner names
// as a query's name comes unpacked (\046 is \.), so answers match file's.
package zone

package dnssec_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// rollover drives one zone through the steps of a key rollover, checking
// each with Unbound twice: first as a resolver that still holds the DNSKEY set
// of the step before (the answers flushed, the validated keys kept; what the
// waits between the steps of RFC 6781 4.1 guarantee at worst), then as a
// fresh one.
type rollover struct {
	f     *fixture
	addr  string // the authority
	insec string
	s     signing
}

func newRollover(t *testing.T, a authority) (*rollover, map[string]int) {
	t.Helper()
	r := &rollover{f: newUnsignedFixture(t), insec: startInsec(t), s: signings[0]}
	ids := map[string]int{
		"ksk1": r.f.pdu.AddZoneKey(t, origin, "ksk", "active", "published", dns.ECDSAP256SHA256),
		"zsk1": r.f.pdu.AddZoneKey(t, origin, "zsk", "active", "published", dns.ECDSAP256SHA256),
	}
	r.f.pdu.RectifyZone(t, origin)
	r.addr = a.start(t, r.f)
	return r, ids
}

// step waits until the authority serves the published keys of the database,
// and the signatures of exactly the keys signing (DNSKEY set: the active
// KSKs; other data: the active ZSKs), then validates every case through each
// of us.
func (r *rollover) step(t *testing.T, name string, ksks, zsks []int, us ...*harness.Unbound) {
	t.Helper()
	keys, dnskeySigners, dataSigners := publishedTags(t, r.f), r.tags(t, ksks), r.tags(t, zsks)
	harness.Eventually(t, keyChangeLimit, fmt.Sprintf("%s: DNSKEY %v signed by %v, data signed by %v", name, keys, dnskeySigners, dataSigners), func() bool {
		return slices.Equal(servedKeys(t, r.addr), keys) &&
			slices.Equal(signers(t, r.addr, origin, dns.TypeDNSKEY), dnskeySigners) &&
			slices.Equal(signers(t, r.addr, "www."+origin, dns.TypeA), dataSigners)
	})
	for i, u := range us {
		t.Logf("%s: resolver %d holding the previous step's keys", name, i)
		r.flushAnswers(t, u)
		runCases(t, u.Addr, r.s)
		checkDNSKEY(t, u.Addr, keys)
		t.Logf("%s: resolver %d fresh", name, i)
		u.FlushZone(t, origin)
		runCases(t, u.Addr, r.s)
		checkDNSKEY(t, u.Addr, keys)
	}
}

// flushAnswers makes u forget the answers of every case and the DNSKEY
// RRset, but not the keys it validated: those stay in its key cache, which
// only flush_zone empties.
func (r *rollover) flushAnswers(t *testing.T, u *harness.Unbound) {
	t.Helper()
	for _, c := range cases {
		u.Control(t, "flush_type", c.qname, dns.TypeToString[c.qtype])
	}
	u.Control(t, "flush_type", origin, "DNSKEY")
	u.Control(t, "flush_negative")
}

func (r *rollover) tags(t *testing.T, ids []int) []uint16 {
	var tags []uint16
	for _, id := range ids {
		tags = append(tags, keyTag(t, r.f, id))
	}
	slices.Sort(tags)
	return tags
}

// testZSKRollover rolls the ZSK by pre-publication (RFC 6781 4.1.1.1):
// publish the new one inactive, then sign with it instead of the old, then
// remove the old.
func testZSKRollover(t *testing.T, a authority) {
	r, id := newRollover(t, a)
	u := resolver(t, r.addr, r.insec, r.f.anchors(t))
	r.step(t, "initial", []int{id["ksk1"]}, []int{id["zsk1"]}, u)

	id["zsk2"] = r.f.pdu.AddZoneKey(t, origin, "zsk", "inactive", "published", dns.ECDSAP256SHA256)
	r.step(t, "new ZSK published", []int{id["ksk1"]}, []int{id["zsk1"]}, u)

	r.f.pdu.ActivateZoneKey(t, origin, id["zsk2"])
	r.f.pdu.DeactivateZoneKey(t, origin, id["zsk1"])
	r.step(t, "new ZSK signs", []int{id["ksk1"]}, []int{id["zsk2"]}, u)

	r.f.pdu.RemoveZoneKey(t, origin, id["zsk1"])
	r.step(t, "old ZSK removed", []int{id["ksk1"]}, []int{id["zsk2"]}, u)
}

// testKSKRollover rolls the KSK by double signature (RFC 6781 4.1.2): the
// new KSK signs the DNSKEY set beside the old, the parent's DS (here the
// resolver's trust anchor) switches to the new one, then the old is removed,
// after which the old DS no longer validates anything.
func testKSKRollover(t *testing.T, a authority) {
	r, id := newRollover(t, a)
	oldDS := r.f.anchors(t)
	old := resolver(t, r.addr, r.insec, oldDS)
	r.step(t, "initial", []int{id["ksk1"]}, []int{id["zsk1"]}, old)

	id["ksk2"] = r.f.pdu.AddZoneKey(t, origin, "ksk", "active", "published", dns.ECDSAP256SHA256)
	newTag := keyTag(t, r.f, id["ksk2"])
	var newDS []dns.RR
	for _, ds := range r.f.anchors(t) {
		if ds.(*dns.DS).KeyTag == newTag {
			newDS = append(newDS, ds)
		}
	}
	if len(newDS) != 1 {
		t.Fatalf("want one SHA-256 DS for the new KSK %d, got %v", newTag, newDS)
	}
	r.step(t, "new KSK signs too", []int{id["ksk1"], id["ksk2"]}, []int{id["zsk1"]}, old)

	// The parent publishes the new DS: resolvers now start from it.
	cur := resolver(t, r.addr, r.insec, newDS)
	r.step(t, "DS switched", []int{id["ksk1"], id["ksk2"]}, []int{id["zsk1"]}, cur)

	r.f.pdu.RemoveZoneKey(t, origin, id["ksk1"])
	r.step(t, "old KSK removed", []int{id["ksk2"]}, []int{id["zsk1"]}, cur)

	old.FlushZone(t, origin)
	if m := harness.Validate(t, old.Addr, "www."+origin, dns.TypeA); m.Rcode != dns.RcodeServerFailure || m.AuthenticatedData {
		t.Errorf("the old DS after the old KSK is gone: want SERVFAIL, got\n%v", m)
	}
}

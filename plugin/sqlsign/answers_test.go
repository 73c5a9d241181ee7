package sqlsign

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
)

// TestAnswerMemo: an answer of kept records is signed once and then served
// whole from the memo, the same as signing it again would make it.
func TestAnswerMemo(t *testing.T) {
	w := newWorld(t)
	first := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	if w.s.answers.entries() != 1 {
		t.Fatalf("memo holds %d answers after the first, want 1", w.s.answers.entries())
	}
	again := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	if sections(first) != sections(again) || first.Rcode != again.Rcode || !again.Authoritative {
		t.Errorf("from the memo:\n%s\nwant, as first signed:\n%s", again, first)
	}
	if n := len(again.Answer); n != 3 || again.Answer[2].Header().Rrtype != dns.TypeRRSIG {
		t.Fatalf("answer %v: want 2 A and their RRSIG", again.Answer)
	}
	if n := len(again.Ns); n != 2 || again.Ns[1].Header().Rrtype != dns.TypeRRSIG {
		t.Fatalf("authority %v: want the apex NS and its RRSIG", again.Ns)
	}
	zsk := w.org.kr.Signers(dns.TypeA)[0].DNSKEY
	for _, set := range [][]dns.RR{again.Answer, again.Ns} {
		sig := sigOf(t, set)
		if err := sig.Verify(zsk, set[:len(set)-1]); err != nil {
			t.Errorf("RRSIG %s from the memo does not verify: %v", sig, err)
		}
	}
	// A plugin above may append: never into the memo's arrays.
	again.Answer = append(again.Answer, again.Answer[0])
	if third := ask(t, w.s, "www.example.org.", dns.TypeA, true); sections(third) != sections(first) {
		t.Errorf("after an append to a served answer:\n%s\nwant:\n%s", third, first)
	}
}

// TestAnswerMemoNewKeys: new keys (a new Keyring) are never answered with
// the old keys' signatures.
func TestAnswerMemoNewKeys(t *testing.T) {
	w := newWorld(t)
	before := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	w.org.kr = keyring(t, "example.org.", dns.ED25519, false)
	after := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	oldTag, newTag := sigOf(t, before.Answer).KeyTag, sigOf(t, after.Answer).KeyTag
	if sigOf(t, after.Answer).Algorithm != dns.ED25519 || oldTag == newTag {
		t.Errorf("after a key change: RRSIG alg %d tag %d (before: tag %d); want the new ED25519 key's",
			sigOf(t, after.Answer).Algorithm, newTag, oldTag)
	}
}

// TestAnswerMemoNewWeek: the validity window moves on, so do the signatures.
func TestAnswerMemoNewWeek(t *testing.T) {
	w := newWorld(t)
	before := sigOf(t, ask(t, w.s, "www.example.org.", dns.TypeA, true).Answer)
	w.s.now = func() time.Time { return fixedNow.Add(7 * 24 * time.Hour) }
	after := sigOf(t, ask(t, w.s, "www.example.org.", dns.TypeA, true).Answer)
	if after.Inception == before.Inception || !after.ValidityPeriod(fixedNow.Add(7*24*time.Hour)) {
		t.Errorf("a week later: inception %d (before %d); want a new window", after.Inception, before.Inception)
	}
}

// TestAnswerMemoOtherRecords: equal records that are not the same records
// (a new version of the zone) are signed, not looked up.
func TestAnswerMemoOtherRecords(t *testing.T) {
	w := newWorld(t)
	ask(t, w.s, "www.example.org.", dns.TypeA, true)
	m := w.data["www.example.org./A"]
	m.Answer = rrs(t, "www.example.org. 60 IN A 192.0.2.9")
	got := ask(t, w.s, "www.example.org.", dns.TypeA, true)
	if a, ok := got.Answer[0].(*dns.A); !ok || a.A.String() != "192.0.2.9" || len(got.Answer) != 2 {
		t.Fatalf("after the records changed: %v; want the new A and its RRSIG", got.Answer)
	}
	if w.s.answers.entries() != 2 {
		t.Errorf("memo holds %d answers, want 2 (old and new records)", w.s.answers.entries())
	}
}

// TestAnswerMemoSkipsTransient: an answer with records made for it (a
// wildcard expansion asked once) is not remembered: it may never be found
// again. A denial whose NSEC records the data plugin keeps (its chain) is.
func TestAnswerMemoSkipsTransient(t *testing.T) {
	w := newWorld(t)
	ask(t, w.s, "foo.wild.example.org.", dns.TypeA, true)
	if n := w.s.answers.entries(); n != 0 {
		t.Errorf("memo holds %d answers after a wildcard answer, want 0", n)
	}
	denial := ask(t, w.s, "nope.example.org.", dns.TypeA, true)
	if n := w.s.answers.entries(); n != 1 {
		t.Errorf("memo holds %d answers after a denial by kept NSEC records, want 1", n)
	}
	if again := ask(t, w.s, "nope.example.org.", dns.TypeA, true); sections(again) != sections(denial) || again.Rcode != dns.RcodeNameError {
		t.Errorf("denial from the memo:\n%s\nwant:\n%s", again, denial)
	}
}

// TestAnswerMemoWildcardKept: an RRset expanded from a wildcard that the data
// plugin hands out again (sqlbackend keeps the expansions of names asked
// again) is remembered by identity the second time it is signed, so from the
// third time the answer comes whole from the memo, still signed as the
// wildcard's. A flood of expanded names asked once each keeps nothing by
// identity: their content, the wildcard's, is the same for all of them.
func TestAnswerMemoWildcardKept(t *testing.T) {
	w := newWorld(t)
	for i := range 50 {
		name := fmt.Sprintf("flood%d.wild.example.org.", i)
		w.org.wild[name] = "*.wild.example.org."
		w.data[name+"/A"] = msg(0, rrs(t, name+" 60 IN A 192.0.2.9"), nil, nil)
		ask(t, w.s, name, dns.TypeA, true)
	}
	if n, sigs := w.s.answers.entries(), w.s.cache.entries(); n != 0 || sigs != 1 {
		t.Errorf("after a flood of expanded names: memo %d answers, cache %d signatures; want 0 and 1 (the wildcard's, by content)", n, sigs)
	}
	third := askThrice(t, w, "foo.wild.example.org.")
	sig := third.Answer[1].(*dns.RRSIG)
	wsig := *sig
	wsig.Hdr.Name = "*.wild.example.org."
	zsk := w.org.kr.Signers(dns.TypeA)[0].DNSKEY
	if err := wsig.Verify(zsk, rrtypes.WithOwner(third.Answer[:1], "*.wild.example.org.")); err != nil || sig.Labels != 3 || sig.Hdr.Name != "foo.wild.example.org." {
		t.Errorf("RRSIG from the memo %s: labels %d, verifies over the wildcard: %v", sig, sig.Labels, err)
	}
}

// askThrice asks name (A, DO) three times of a memo holding nothing yet:
// the first signing is not remembered, the second is, and all three answers
// are the same. It returns the third, served from the memo.
func askThrice(t *testing.T, w *world, name string) *dns.Msg {
	t.Helper()
	var answers [3]*dns.Msg
	for i, want := range []int{0, 1, 1} {
		answers[i] = ask(t, w.s, name, dns.TypeA, true)
		if n := w.s.answers.entries(); n != want {
			t.Errorf("%s asked %d times: memo holds %d answers, want %d", name, i+1, n, want)
		}
	}
	if sections(answers[1]) != sections(answers[0]) || sections(answers[2]) != sections(answers[0]) {
		t.Fatalf("%s asked again:\n%s\nthen:\n%s\nwant, as first signed:\n%s", name, answers[1], answers[2], answers[0])
	}
	return answers[2]
}

// sections is the answer, authority and additional sections as text.
func sections(m *dns.Msg) string {
	var s string
	for i, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		s += fmt.Sprintf("section %d:\n", i)
		for _, rr := range sec {
			s += rr.String() + "\n"
		}
	}
	return s
}

func sigOf(t *testing.T, rrs []dns.RR) *dns.RRSIG {
	t.Helper()
	for _, rr := range rrs {
		if s, ok := rr.(*dns.RRSIG); ok {
			return s
		}
	}
	t.Fatalf("no RRSIG in %v", rrs)
	return nil
}

// TestAnswerMemoNSEC3Lies: NSEC3 white lies the data plugin hands out again
// are remembered by identity once their content was seen before, so a
// denial asked again is served whole from the memo; a flood of names asked
// once each leaves the memo and the identity cache alone.
func TestAnswerMemoNSEC3Lies(t *testing.T) {
	w := newWorld(t)
	orgSOA := "example.org. 3600 IN SOA ns1.example.org. admin.example.org. 7 3600 600 86400 300"
	lie := func(i int) []dns.RR {
		return rrs(t, orgSOA,
			fmt.Sprintf("%032d.example.org. 300 IN NSEC3 1 0 0 - %032d", 2*i, 2*i+2),
			"0123456789abcdefghijklmnopqrstuv.example.org. 300 IN NSEC3 1 0 0 - 0123456789ABCDEFGHIJKLMNOPQRSTUV NS SOA RRSIG DNSKEY NSEC3PARAM")
	}
	for i := range 50 { // the flood: each name once, each lie new
		name := fmt.Sprintf("flood%d.example.org.", i)
		w.data[name+"/A"] = msg(dns.RcodeNameError, nil, lie(i), nil)
		ask(t, w.s, name, dns.TypeA, true)
	}
	if n := w.s.answers.entries(); n != 0 {
		t.Errorf("memo holds %d answers after a flood of new denials, want 0", n)
	}
	w.data["again.example.org./A"] = msg(dns.RcodeNameError, nil, lie(1000), nil)
	third := askThrice(t, w, "again.example.org.")
	if third.Rcode != dns.RcodeNameError {
		t.Fatalf("denial asked three times: %s", third)
	}
	zsk := w.org.kr.Signers(dns.TypeNSEC3)[0].DNSKEY
	for i := 0; i < len(third.Ns); i += 2 {
		sig := third.Ns[i+1].(*dns.RRSIG)
		if err := sig.Verify(zsk, third.Ns[i:i+1]); err != nil {
			t.Errorf("RRSIG %s from the memo does not verify: %v", sig, err)
		}
	}
}

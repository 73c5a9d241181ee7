package harness

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// Response is what a test expects back: the header fields a client sees and every record
// of the three sections, written as zone-file lines ("example.org. 3600 IN A 127.0.0.1").
// Fields left at their zero value are expected to be zero/unset in the response too:
// Rcode 0 is NOERROR, a false flag must be clear, a nil section must be empty.
type Response struct {
	Rcode  int
	Opcode int

	Authoritative      bool // AA
	Truncated          bool // TC
	RecursionDesired   bool // RD, copied from the query; Query sends it clear
	RecursionAvailable bool // RA
	AuthenticatedData  bool // AD
	CheckingDisabled   bool // CD

	Answer []string
	Ns     []string
	// Extra is the additional section. The OPT pseudo-record is only compared when Extra
	// lists one (see OPT); otherwise the response's OPT, if any, is ignored.
	Extra []string
}

// OPT returns the zone-file line of an OPT record with the given UDP size and DO bit and
// no options, for Response.Extra: the class field holds the size and the TTL the flags.
func OPT(size uint16, do bool) string {
	ttl := 0
	if do {
		ttl = 1 << 15
	}
	return fmt.Sprintf(". %d CLASS%d OPT", ttl, size)
}

// AssertResponse checks got against want: rcode, opcode, every header flag and the
// answer, authority and additional sections. Sections are compared as sets of records,
// in any order, each record by its full text (name, TTL, class, type and data) after
// both sides went through miekg/dns's parser, so spacing and defaults in the wanted lines
// do not matter. On a mismatch it reports what differs and prints both messages whole.
// It fails the test with Errorf, so one test can report several mismatched responses.
func AssertResponse(t testing.TB, got *dns.Msg, want Response) {
	t.Helper()
	wantMsg := want.msg(t, got)
	if got == nil {
		t.Errorf("no response, want:\n%s", wantMsg)
		return
	}

	var diffs []string
	flag := func(name string, g, w bool) {
		if g != w {
			diffs = append(diffs, fmt.Sprintf("%s flag is %t, want %t", name, g, w))
		}
	}
	if got.Rcode != want.Rcode {
		diffs = append(diffs, fmt.Sprintf("rcode is %s, want %s", rcodeString(got.Rcode), rcodeString(want.Rcode)))
	}
	if got.Opcode != want.Opcode {
		diffs = append(diffs, fmt.Sprintf("opcode is %s, want %s", dns.OpcodeToString[got.Opcode], dns.OpcodeToString[want.Opcode]))
	}
	flag("qr", got.Response, true)
	flag("aa", got.Authoritative, want.Authoritative)
	flag("tc", got.Truncated, want.Truncated)
	flag("rd", got.RecursionDesired, want.RecursionDesired)
	flag("ra", got.RecursionAvailable, want.RecursionAvailable)
	flag("ad", got.AuthenticatedData, want.AuthenticatedData)
	flag("cd", got.CheckingDisabled, want.CheckingDisabled)

	extra := got.Extra
	if !hasOPT(wantMsg.Extra) {
		extra = slices.DeleteFunc(slices.Clone(extra), func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeOPT })
	}
	diffs = append(diffs, diffRRs("answer", got.Answer, wantMsg.Answer)...)
	diffs = append(diffs, diffRRs("authority", got.Ns, wantMsg.Ns)...)
	diffs = append(diffs, diffRRs("additional", extra, wantMsg.Extra)...)

	if len(diffs) > 0 {
		t.Errorf("response to %s differs:\n  %s\n\nwant:\n%s\n\ngot:\n%s", questionString(got),
			strings.Join(diffs, "\n  "), wantMsg, got)
	}
}

// AssertRRs checks that got holds exactly the records in want, in any order, comparing
// records as AssertResponse does; what names the records in the failure message (for
// example "AXFR example.org").
func AssertRRs(t testing.TB, what string, got []dns.RR, want []string) {
	t.Helper()
	wantRRs := parseRRs(t, want)
	if diffs := diffRRs(what, got, wantRRs); len(diffs) > 0 {
		t.Errorf("%s differs:\n  %s\n\nwant:\n%s\n\ngot:\n%s", what, strings.Join(diffs, "\n  "),
			rrLines(wantRRs), rrLines(got))
	}
}

// AssertCase checks got against a CoreDNS test.Case with CoreDNS's own test.SortAndCheck,
// for table tests ported from CoreDNS plugins. It is looser than AssertResponse: it
// compares only some fields of each record, and a TTL of 303 matches any TTL.
func AssertCase(t testing.TB, got *dns.Msg, tc test.Case) {
	t.Helper()
	if got == nil {
		t.Errorf("no response for %s %s", tc.Qname, dns.TypeToString[tc.Qtype])
		return
	}
	if err := test.SortAndCheck(got, tc); err != nil {
		t.Errorf("%s %s: %v\n\ngot:\n%s", tc.Qname, dns.TypeToString[tc.Qtype], err, got)
	}
}

// msg builds want as a *dns.Msg, so it prints in the same format as the response it is
// compared with. The question is copied from got: it is not part of what is asserted.
func (want Response) msg(t testing.TB, got *dns.Msg) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.Response = true
	m.Rcode, m.Opcode = want.Rcode, want.Opcode
	m.Authoritative, m.Truncated = want.Authoritative, want.Truncated
	m.RecursionDesired, m.RecursionAvailable = want.RecursionDesired, want.RecursionAvailable
	m.AuthenticatedData, m.CheckingDisabled = want.AuthenticatedData, want.CheckingDisabled
	if got != nil {
		m.Id, m.Question = got.Id, got.Question
	}
	m.Answer = parseRRs(t, want.Answer)
	m.Ns = parseRRs(t, want.Ns)
	m.Extra = parseRRs(t, want.Extra)
	return m
}

// parseRRs parses zone-file lines; a line that does not parse is a bug in the test.
func parseRRs(t testing.TB, lines []string) []dns.RR {
	t.Helper()
	var rrs []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil || rr == nil {
			t.Fatalf("bad record in test: %q: %v", l, err)
		}
		rrs = append(rrs, rr)
	}
	return rrs
}

// diffRRs compares two sections as multisets of record text and describes each record
// missing from got or not wanted in it.
func diffRRs(section string, got, want []dns.RR) []string {
	g, w := rrStrings(got), rrStrings(want)
	var diffs []string
	i, j := 0, 0
	for i < len(g) || j < len(w) {
		switch {
		case j == len(w) || (i < len(g) && g[i] < w[j]):
			diffs = append(diffs, fmt.Sprintf("%s has unexpected %s", section, g[i]))
			i++
		case i == len(g) || w[j] < g[i]:
			diffs = append(diffs, fmt.Sprintf("%s lacks %s", section, w[j]))
			j++
		default:
			i++
			j++
		}
	}
	return diffs
}

// rrStrings returns the sorted text of rrs. The OPT record's text spans lines and is
// folded into one, so a diff line names it whole.
func rrStrings(rrs []dns.RR) []string {
	s := make([]string, len(rrs))
	for i, rr := range rrs {
		s[i] = rr.String()
		if rr.Header().Rrtype == dns.TypeOPT {
			s[i] = strings.Join(strings.Fields(s[i]), " ")
		}
	}
	slices.Sort(s)
	return s
}

func rrLines(rrs []dns.RR) string {
	var b strings.Builder
	for _, rr := range rrs {
		b.WriteString(rr.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func hasOPT(rrs []dns.RR) bool {
	return slices.ContainsFunc(rrs, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeOPT })
}

func rcodeString(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rcode)
}

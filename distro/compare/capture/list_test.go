package capture

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestReadList(t *testing.T) {
	in := `; dig -f style
www.example.org A +dnssec
example.org MX +norec +bufsize=512
@192.0.2.1 mail.example.org +tcp +short
# comment

TXT txt.example.org +noedns +cd +adflag
x.example.org TYPE65401
`
	var qs []Query
	st, err := ReadList(strings.NewReader(in), func(q Query) error { qs = append(qs, q); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 5 || st.Queries != 5 {
		t.Fatalf("got %d queries: %v", len(qs), st)
	}
	check := func(i int, name string, qt uint16, rd, do bool, size uint16, network string) {
		t.Helper()
		m := qs[i].Msg
		if m.Question[0].Name != name || m.Question[0].Qtype != qt || m.RecursionDesired != rd || qs[i].Network != network {
			t.Errorf("line %d: %v over %s", i, m.Question[0], qs[i].Network)
		}
		opt := m.IsEdns0()
		if size == 0 && opt != nil || size != 0 && (opt == nil || opt.UDPSize() != size || opt.Do() != do) {
			t.Errorf("line %d: OPT %v, want size %d do %v", i, opt, size, do)
		}
	}
	check(0, "www.example.org.", dns.TypeA, true, true, 1232, "udp")
	check(1, "example.org.", dns.TypeMX, false, false, 512, "udp")
	check(2, "mail.example.org.", dns.TypeA, true, false, 1232, "tcp")
	check(3, "txt.example.org.", dns.TypeTXT, true, false, 0, "udp")
	check(4, "x.example.org.", 65401, true, false, 1232, "udp")
	if !qs[3].Msg.CheckingDisabled || !qs[3].Msg.AuthenticatedData {
		t.Errorf("+cd +adflag lost: %v", qs[3].Msg)
	}
}

func TestReadListErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "no DNS queries",
		"; only a comment\n":       "no DNS queries",
		"a.example A b.example\n":  "unexpected",
		"+dnssec\n":                "no name",
		"x.example +bufsize=big\n": "bufsize",
		"\xd4\xc3\xb2\n":           "binary",
		strings.Repeat("a", 5000):  "longer than",
		"-t A x.example\n":         "not a domain name",
	} {
		_, err := ReadList(strings.NewReader(in), func(Query) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.20q: got %v, want %q", in, err, want)
		}
	}
}

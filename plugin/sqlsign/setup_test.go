package sqlsign

import (
	"context"
	"strings"
	"testing"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/signsource"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in    string
		zones []string
		size  int
		err   string // substring of the error; "" for none
	}{
		{"sqlsign", []string{"example.org."}, defaultCacheSize, ""},
		{"sqlsign a.test b.test", []string{"a.test.", "b.test."}, defaultCacheSize, ""},
		{"sqlsign {\n cache_size 5\n}", []string{"example.org."}, 5, ""},
		{"sqlsign {\n cache_size\n}", nil, 0, "Testfile:2 - Error during parsing: Wrong argument count"},
		{"sqlsign {\n cache_size 1 2\n}", nil, 0, "Testfile:2"},
		{"sqlsign {\n cache_size 0\n}", nil, 0, `Testfile:2 - Error during parsing: cache_size: "0" is not a number from 1 to`},
		{"sqlsign {\n\n cache_size lots\n}", nil, 0, `Testfile:3 - Error during parsing: cache_size: "lots"`},
		{"sqlsign {\n cache_size -1\n}", nil, 0, "cache_size"},
		{"sqlsign {\n keys file\n}", nil, 0, `Testfile:2 - Error during parsing: unknown property "keys"`},
		{"sqlsign\nsqlsign", nil, 0, "Testfile:2 - Error during parsing: this plugin can only be used once"},
	} {
		c := caddy.NewTestController("dns", tc.in)
		c.ServerBlockKeys = []string{"example.org."}
		zones, size, err := parse(c)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(zones, " ") != strings.Join(tc.zones, " ") || size != tc.size {
			t.Errorf("%q: zones %v size %d err %v, want %v %d", tc.in, zones, size, err, tc.zones, tc.size)
		}
	}
}

func TestSetupRegisters(t *testing.T) {
	c := caddy.NewTestController("dns", "sqlsign {\n cache_size 10\n}")
	if err := setup(c); err != nil {
		t.Fatal(err)
	}
	if err := setup(caddy.NewTestController("dns", "sqlsign {\n cache_size x\n}")); err == nil ||
		!strings.HasPrefix(err.Error(), "plugin/sqlsign: ") {
		t.Fatalf("error %v, want one naming the plugin", err)
	}
}

type sourceHandler struct{ test.Handler }

func (sourceHandler) SigningZone(context.Context, string) signsource.Zone { return nil }

func TestFindSources(t *testing.T) {
	s := New(nil, 10)
	err := s.findSources([]plugin.Handler{test.NextHandler(dns.RcodeSuccess, nil)})
	if err == nil || !strings.Contains(err.Error(), "sqlsign needs sqlbackend") {
		t.Fatalf("no source: error %v", err)
	}
	if err := s.findSources([]plugin.Handler{test.NextHandler(0, nil), sourceHandler{}}); err != nil || len(s.sources) != 1 {
		t.Fatalf("one source: %v, %d found", err, len(s.sources))
	}
}

// FuzzParse: no input makes the parser panic or accept a bad cache size.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"sqlsign", "sqlsign a.test {\n cache_size 5\n}", "sqlsign {\n cache_size 0\n}",
		"sqlsign {\n cache_size 99999999999999999999\n}", "sqlsign {\n x\n}", "sqlsign {", "sqlsign }"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c := caddy.NewTestController("dns", in)
		c.ServerBlockKeys = []string{"example.org."}
		_, size, err := parse(c)
		if err == nil && (size < 1 || size > maxCacheSize) {
			t.Fatalf("%q: accepted cache_size %d", in, size)
		}
	})
}

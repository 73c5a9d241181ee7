package urlredirect

import (
	"net/url"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
)

func TestHostName(t *testing.T) {
	good := map[string]string{
		"example.org":           "example.org.",
		"Example.ORG.":          "example.org.",
		"www.example.org:8443":  "www.example.org.",
		"_dmarc.example.org":    "_dmarc.example.org.",
		"a-b.example.org:0":     "a-b.example.org.",
		strings.Repeat("a", 63): strings.Repeat("a", 63) + ".",
	}
	for in, want := range good {
		if got, ok := hostName(in); !ok || got != want {
			t.Errorf("hostName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{
		"", ".", "..", "a..b", ".a", "[::1]", "[::1]:80", "a:b", "a:", "a:123456", "a b", "a\r\nb", "ä.example",
		"a/b", "a@b", strings.Repeat("a", 64), strings.Repeat("a.", 127) + "aa", strings.Repeat("x", 300),
	} {
		if got, ok := hostName(in); ok {
			t.Errorf("hostName(%q) = %q, accepted", in, got)
		}
	}
}

// FuzzHostName: whatever hostName accepts is a short lower-case name of safe octets,
// fully qualified, and accepted again as it is.
func FuzzHostName(f *testing.F) {
	for _, s := range []string{"example.org", "Example.ORG.:80", "[::1]:80", "a..b", "\xff", "a:99999", strings.Repeat("a.", 130)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := hostName(in)
		if !ok {
			return
		}
		if len(got) > 254 || !strings.HasSuffix(got, ".") || strings.ToLower(got) != got || !safe(got) {
			t.Fatalf("hostName(%q) = %q", in, got)
		}
		if again, ok := hostName(got); !ok || again != got {
			t.Fatalf("hostName(%q) = %q, but that gives %q, %v", in, got, again, ok)
		}
	})
}

// FuzzLocation: for any record target, flag and request path and query, a Location is
// printable ASCII, bounded, an absolute http(s) URL that parses, or there is none.
func FuzzLocation(f *testing.F) {
	f.Add("https://www.example.com/", false, "/a", "b=c")
	f.Add("https://www.example.com/base/?a=1#frag", false, "/a b\r\n", "\xff")
	f.Add("HTTP://user:pw@[::1]:8080", true, "/", "")
	f.Add("https://caf\xc3\xa9.example/\x00", false, "", "")
	f.Add("javascript:alert(1)", false, "/", "")
	f.Fuzz(func(t *testing.T, target string, noPath bool, path, query string) {
		loc, ok := location(&rrtypes.URL{Target: target, NoPath: noPath}, path, query)
		if !ok {
			return
		}
		if len(loc) > maxLocation || !safe(loc) {
			t.Fatalf("location(%q, %q, %q) = %q", target, path, query, loc)
		}
		u, err := url.Parse(loc)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("location(%q, %q, %q) = %q: %v", target, path, query, loc, err)
		}
	})
}

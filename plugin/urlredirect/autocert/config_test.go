package autocert

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseStorage(t *testing.T) {
	for _, c := range []struct {
		spec string
		want storageSpec
	}{
		{"", storageSpec{Kind: "dir", Path: filepath.Join("/etc/coredns", "autocert")}},
		{"dir:/var/lib/hostdns/certs/", storageSpec{Kind: "dir", Path: "/var/lib/hostdns/certs"}},
		{"dir:relative", storageSpec{Kind: "dir", Path: "relative"}},
		{"redis:127.0.0.1:6379", storageSpec{Kind: "redis", Addr: "127.0.0.1:6379"}},
		{"redis:127.0.0.1:6379/3", storageSpec{Kind: "redis", Addr: "127.0.0.1:6379", DB: 3}},
		{"redis:[::1]:6380/0", storageSpec{Kind: "redis", Addr: "[::1]:6380"}},
		{"redis:cache.internal:6379/15", storageSpec{Kind: "redis", Addr: "cache.internal:6379", DB: 15}},
	} {
		got, err := parseStorage(c.spec, "/etc/coredns")
		if err != nil || got != c.want {
			t.Errorf("parseStorage(%q) = %+v, %v; want %+v", c.spec, got, err, c.want)
		}
	}
}

func TestParseStorageErrors(t *testing.T) {
	for _, spec := range []string{
		"/var/lib/certs", // no kind
		"dir:",
		"file:/x",
		"redis:",
		"redis:127.0.0.1",        // no port
		"redis:127.0.0.1:0",      // port 0
		"redis:127.0.0.1:65536",  // port too large
		"redis:127.0.0.1:+63",    // not a canonical number
		"redis:127.0.0.1:6379/",  // empty database
		"redis:127.0.0.1:6379/x", // database not a number
		"redis:127.0.0.1:6379/-1",
		"redis:127.0.0.1:6379/007",
		"redis:127.0.0.1:6379/65536",
		"redis::6379",
		"redis:::1:6379", // IPv6 without brackets
	} {
		if got, err := parseStorage(spec, ""); err == nil {
			t.Errorf("parseStorage(%q) = %+v, want an error", spec, got)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, c := range []Config{
		{}, // no CA
		{CA: "https://ca.test/dir", RateLimit: -1},
		{CA: "https://ca.test/dir", Storage: "s3:bucket"},
	} {
		if m, err := New(c); err == nil {
			m.Stop()
			t.Errorf("New(%+v) succeeded, want an error", c)
		}
	}
}

// FuzzStorageSpec checks that any spec either fails or parses to something well formed,
// and that a Redis address parses to itself again.
func FuzzStorageSpec(f *testing.F) {
	for _, s := range []string{"", "dir:/a", "dir:", "redis:127.0.0.1:6379", "redis:[::1]:1/2",
		"redis:h:1/99999", "redis:/", "x:y", "redis:a:b:c", "redis:h:6379/1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := parseStorage(spec, "/root")
		if err != nil {
			return
		}
		switch got.Kind {
		case "dir":
			if got.Path == "" {
				t.Fatalf("%q: empty path", spec)
			}
		case "redis":
			if got.DB < 0 || got.DB >= maxRedisDB {
				t.Fatalf("%q: database %d", spec, got.DB)
			}
			again, err := parseStorage("redis:"+got.Addr, "")
			if err != nil || again.Addr != got.Addr {
				t.Fatalf("%q: address %q does not parse again: %+v %v", spec, got.Addr, again, err)
			}
			if strings.Contains(got.Addr, "/") {
				t.Fatalf("%q: address %q has a slash", spec, got.Addr)
			}
		default:
			t.Fatalf("%q: kind %q", spec, got.Kind)
		}
	})
}

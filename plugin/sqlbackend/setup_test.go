package sqlbackend

import (
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

func TestParse(t *testing.T) {
	tests := []struct {
		input string
		err   string // substring; "" for success
		check func(*testing.T, *SQLBackend, config)
	}{
		{input: "sqlbackend {\n driver sqlite\n dsn zones.db\n}", check: func(t *testing.T, b *SQLBackend, c config) {
			if c.dialect != sqlstore.SQLite || c.dsn != "zones.db" || c.poll != defaultPoll || !c.ensureSchema || c.keep != defaultKeep {
				t.Errorf("got %+v", c)
			}
			if o := b.Origins.Names(); len(o) != 1 || o[0] != "example.org." {
				t.Errorf("origins %v, want the server block's", b.Origins.Names())
			}
		}},
		{input: "sqlbackend example.org example.net {\n driver mysql\n dsn root@tcp(127.0.0.1:3306)/pdns\n poll 1s\n gap_timeout 2s\n keep 10\n schema none\n redis 127.0.0.1:6379 chan\n fallthrough\n}",
			check: func(t *testing.T, b *SQLBackend, c config) {
				if c.dialect != sqlstore.MySQL || c.poll != time.Second || c.gapTimeout != 2*time.Second || c.keep != 10 || c.ensureSchema ||
					c.redisAddr != "127.0.0.1:6379" || c.redisChannel != "chan" {
					t.Errorf("got %+v", c)
				}
				if len(b.Origins.Names()) != 2 || !b.Fall.Through("x.example.org.") {
					t.Errorf("origins %v fall %v", b.Origins.Names(), b.Fall)
				}
			}},
		{input: "sqlbackend {\n driver sqlite\n dsn z.db\n seed seed.sql\n redis 127.0.0.1:6379\n}", check: func(t *testing.T, b *SQLBackend, c config) {
			if c.seed != "seed.sql" || c.redisChannel != defaultChannel {
				t.Errorf("got %+v", c)
			}
		}},
		{input: "sqlbackend", err: "missing 'driver'"},
		{input: "sqlbackend {\n driver sqlite\n}", err: "missing 'dsn'"},
		{input: "sqlbackend {\n driver oracle\n dsn x\n}", err: "unknown database driver"},
		{input: "sqlbackend {\n driver sqlite\n dsn a b\n}", err: "Wrong argument count"},
		{input: "sqlbackend {\n driver sqlite\n dsn a\n poll -1s\n}", err: "positive duration"},
		{input: "sqlbackend {\n driver sqlite\n dsn a\n poll soon\n}", err: "positive duration"},
		{input: "sqlbackend {\n driver sqlite\n dsn a\n keep -3\n}", err: "keep"},
		{input: "sqlbackend {\n driver sqlite\n dsn a\n schema maybe\n}", err: "schema"},
		{input: "sqlbackend {\n driver sqlite\n dsn a\n redis localhost\n}", err: "host:port"},
		{input: "sqlbackend {\n driver sqlite\n dsn a\n bogus 1\n}", err: "unknown property 'bogus'"},
		{input: "sqlbackend {\n driver mysql\n dsn a\n seed s.sql\n}", err: "only for driver sqlite"},
		{input: "sqlbackend {\n driver mysql\n dsn not-a-dsn\n}", err: "dsn"},
		{input: "sqlbackend {\n driver sqlite\n dsn a\n}\nsqlbackend {\n driver sqlite\n dsn b\n}", err: "once"},
	}
	for i, tc := range tests {
		c := caddy.NewTestController("dns", tc.input)
		c.ServerBlockKeys = []string{"example.org."}
		b, cfg, err := parse(c)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("test %d: got error %v, want one with %q", i, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("test %d: %v", i, err)
			continue
		}
		tc.check(t, b, cfg)
	}
}

// TestParseErrorNamesLine checks that a Corefile error says where it is.
func TestParseErrorNamesLine(t *testing.T) {
	c := caddy.NewTestController("dns", "sqlbackend {\n driver sqlite\n dsn a\n poll never\n}")
	_, _, err := parse(c)
	if err == nil || !strings.Contains(err.Error(), ":4 ") {
		t.Errorf("got %v, want an error naming line 4", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("sqlbackend {\n driver sqlite\n dsn zones.db\n}")
	f.Add("sqlbackend a.org {\n driver mysql\n dsn u@tcp(h:1)/d\n poll 1s\n redis h:1 c\n fallthrough b.org\n}")
	f.Add("sqlbackend {\n keep 9\n schema none\n gap_timeout 1ms\n}")
	f.Add("sqlbackend {\n seed\n}")
	f.Fuzz(func(t *testing.T, input string) {
		c := caddy.NewTestController("dns", input)
		c.ServerBlockKeys = []string{"example.org."}
		b, cfg, err := parse(c)
		if err != nil {
			return
		}
		if cfg.dialect == "" || cfg.dsn == "" || cfg.poll <= 0 || b == nil {
			t.Fatalf("accepted an incomplete config %+v from %q", cfg, input)
		}
	})
}

package sqlbackend

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// parseTest is a Corefile snippet and what parse must make of it.
type parseTest struct {
	input string
	err   string // substring; "" for success
	check func(*testing.T, *SQLBackend, config)
}

func TestParse(t *testing.T) {
	for i, tc := range parseTests {
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

var parseTests = []parseTest{
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
	{input: "sqlbackend {\n driver postgres\n dsn postgres://pdns:s3cret@127.0.0.1:5432/pdns?sslmode=disable\n}", check: func(t *testing.T, b *SQLBackend, c config) {
		if c.dialect != sqlstore.Postgres || c.dsn != "postgres://pdns:s3cret@127.0.0.1:5432/pdns?sslmode=disable" || !c.ensureSchema {
			t.Errorf("got %+v", c)
		}
	}},
	{input: "sqlbackend {\n driver postgresql\n dsn \"host=127.0.0.1 user=pdns dbname=pdns\"\n}", check: func(t *testing.T, b *SQLBackend, c config) {
		if c.dialect != sqlstore.Postgres || c.dsn != "host=127.0.0.1 user=pdns dbname=pdns" {
			t.Errorf("got %+v", c)
		}
	}},
	{input: "sqlbackend {\n driver pgx\n dsn postgresql://db.example.net/pdns\n}", check: func(t *testing.T, b *SQLBackend, c config) {
		if c.dialect != sqlstore.Postgres {
			t.Errorf("got %+v", c)
		}
	}},
	{input: "sqlbackend {\n driver mysql\n dsn r@tcp(h:3306)/pdns\n detect checksum\n}", check: func(t *testing.T, b *SQLBackend, c config) {
		if c.detect != detectChecksum || c.poll != defaultChecksumEvery || c.ensureSchema || c.keep != 0 {
			t.Errorf("got %+v", c)
		}
	}},
	{input: "sqlbackend {\n driver postgres\n dsn postgres://u@h/d\n poll 1s\n detect checksum 30s\n schema none\n}", check: func(t *testing.T, b *SQLBackend, c config) {
		if c.detect != detectChecksum || c.poll != 30*time.Second || c.ensureSchema {
			t.Errorf("got %+v", c)
		}
	}},
	{input: "sqlbackend {\n driver mysql\n dsn r@tcp(h:3306)/pdns\n detect log\n}", check: func(t *testing.T, b *SQLBackend, c config) {
		if c.detect != detectLog || c.poll != defaultPoll || !c.ensureSchema {
			t.Errorf("got %+v", c)
		}
	}},
	{input: "sqlbackend {\n driver mysql\n dsn r@tcp(h:3306)/pdns\n detect checksum\n schema ensure\n}", err: "cannot go with 'schema ensure'"},
	{input: "sqlbackend {\n driver mysql\n dsn r@tcp(h:3306)/pdns\n detect checksum\n redis 127.0.0.1:6379\n}", err: "cannot go with 'redis'"},
	{input: "sqlbackend {\n driver sqlite\n dsn z.db\n detect checksum\n}", err: "for MySQL and PostgreSQL"},
	{input: "sqlbackend {\n driver mysql\n dsn r@tcp(h:3306)/pdns\n detect checksum 0s\n}", err: "positive duration"},
	{input: "sqlbackend {\n driver mysql\n dsn r@tcp(h:3306)/pdns\n detect sometimes\n}", err: "want log or checksum"},
	{input: "sqlbackend {\n driver mysql\n dsn r@tcp(h:3306)/pdns\n detect log 5s\n}", err: "Wrong argument count"},
	{input: "sqlbackend {\n driver postgres\n dsn postgres://u:pw@h/d\n seed s.sql\n}", err: "only for driver sqlite"},
	{input: "sqlbackend {\n driver postgres\n dsn postgres://u@h:port/d\n}", err: "dsn"},
	{input: "sqlbackend {\n driver mysql\n dsn root@tcp(127.0.0.1:3306)/pdns\n max_records 100000\n snapshot /var/lib/coredns/snapshot.db\n}", check: func(t *testing.T, b *SQLBackend, c config) {
		if c.maxRecords != 100000 || c.snapshot != "/var/lib/coredns/snapshot.db" {
			t.Errorf("got %+v", c)
		}
	}},
	{input: "sqlbackend {\n driver mysql\n dsn root@tcp(127.0.0.1:3306)/pdns\n snapshot s.db\n}", err: "'snapshot' needs 'max_records'"},
	{input: "sqlbackend {\n driver mysql\n dsn root@tcp(127.0.0.1:3306)/pdns\n max_records 10\n snapshot\n}", err: "Wrong argument count"},
	{input: "sqlbackend", err: "missing 'driver'"},
	{input: "sqlbackend {\n driver sqlite\n}", err: "missing 'dsn'"},
	{input: "sqlbackend {\n driver oracle\n dsn x\n}", err: "unknown database driver"},
	{input: "sqlbackend {\n driver sqlite\n dsn a b\n}", err: "want one argument"},
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

// TestParseErrorsHidePassword: whatever is wrong with a dsn line, the error
// does not show the password written in it.
func TestParseErrorsHidePassword(t *testing.T) {
	for _, line := range []string{
		"driver postgres\n dsn postgres://pdns:s3cret@db:notaport/pdns",
		"driver postgres\n dsn postgres://pdns:s3cret@db/pdns?sslmode=sometimes",
		"driver postgres\n dsn postgres://pdns:s3cret@db:5432/pdns?connect_timeout=x",
		"driver postgres\n dsn postgres://pdns:s3cret%zz@db/pdns",
		"driver postgres\n dsn \"host=db port=x user=pdns password=s3cret\"",
		"driver postgres\n dsn \"host=db sslmode=x password='s3cret'\"",
		"driver postgres\n dsn host=db user=pdns password=s3cret",
		"driver mysql\n dsn pdns:s3cret@tcp(db:3306)pdns",
		"driver mysql\n dsn pdns:s3cret@tcp(db:3306)/pdns?timeout=never",
	} {
		c := caddy.NewTestController("dns", "sqlbackend {\n "+line+"\n}")
		_, _, err := parse(c)
		if err == nil {
			t.Errorf("%q: no error", line)
			continue
		}
		if strings.Contains(err.Error(), "s3c") {
			t.Errorf("%q: error shows the password: %v", line, err)
		}
	}
}

func TestMaskDSN(t *testing.T) {
	for _, tc := range []struct {
		d        sqlstore.Dialect
		dsn, out string
	}{
		{sqlstore.MySQL, "pdns:s3cret@tcp(db:3306)/pdns?parseTime=true", "pdns:xxxxx@tcp(db:3306)/pdns?parseTime=true"},
		{sqlstore.MySQL, "pdns:s3@c/ret@tcp(db:3306)/pdns", "pdns:xxxxx@tcp(db:3306)/pdns"},
		{sqlstore.MySQL, "pdns@tcp(db:3306)/pdns", "pdns@tcp(db:3306)/pdns"},
		{sqlstore.MySQL, "root@tcp(127.0.0.1:3306)/", "root@tcp(127.0.0.1:3306)/"},
		{sqlstore.Postgres, "postgres://pdns:s3cret@db:5432/pdns?sslmode=disable", "postgres://pdns:xxxxx@db:5432/pdns?sslmode=disable"},
		{sqlstore.Postgres, "postgresql://pdns@db/pdns?password=s3cret&sslmode=require", "postgresql://pdns@db/pdns?password=xxxxx&sslmode=require"},
		{sqlstore.Postgres, "postgres://db/pdns?pass%77ord=s3cret&SSLPassword=k3y", "postgres://db/pdns?pass%77ord=xxxxx&SSLPassword=xxxxx"},
		{sqlstore.Postgres, "postgres://pdns:s3c@ret@db/pdns", "postgres://pdns:xxxxx@db/pdns"},
		{sqlstore.Postgres, "postgres://pdns@db:5432/pdns", "postgres://pdns@db:5432/pdns"},
		{sqlstore.Postgres, "host=db user=pdns password=s3cret dbname=pdns", "host=db user=pdns password=xxxxx dbname=pdns"},
		{sqlstore.Postgres, "password = 's3 \\' cret' host=db sslpassword=k3y", "password = xxxxx host=db sslpassword=xxxxx"},
		{sqlstore.Postgres, "host=db password='unterminated s3cret", "host=db password=xxxxx"},
		{sqlstore.SQLite, "zones.db", "zones.db"},
	} {
		if got := maskDSN(tc.d, tc.dsn); got != tc.out {
			t.Errorf("maskDSN(%s, %q) = %q, want %q", tc.d, tc.dsn, got, tc.out)
		}
	}
}

// FuzzMaskDSN: a password is masked wherever it stands and whatever it holds.
func FuzzMaskDSN(f *testing.F) {
	f.Add("s3cret")
	f.Add("s3:c@r/e?t")
	f.Add("s3 c'r\\et")
	f.Fuzz(func(t *testing.T, pw string) {
		if len(pw) < 6 || strings.ContainsAny(pw, "\x00\n") {
			return
		}
		for _, tc := range []struct {
			d   sqlstore.Dialect
			dsn string
		}{
			{sqlstore.MySQL, "pdns:" + pw + "@tcp(db:3306)/pdns"},
			{sqlstore.Postgres, "postgres://pdns:" + pw + "@db:5432/pdns"},
			{sqlstore.Postgres, "postgres://pdns:" + url.PathEscape(pw) + "@db:5432/pdns"},
			{sqlstore.Postgres, "postgres://pdns@db/pdns?password=" + url.QueryEscape(pw)},
			{sqlstore.Postgres, "host=db password='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw) + "' dbname=pdns"},
		} {
			if strings.Contains(strings.Replace(tc.dsn, pw, "", 1), pw) {
				continue // the password is also the rest of the DSN
			}
			if got := maskDSN(tc.d, tc.dsn); strings.Contains(got, pw) {
				t.Errorf("maskDSN(%q) = %q shows the password", tc.dsn, got)
			}
		}
	})
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
	f.Add("sqlbackend {\n driver postgres\n dsn postgres://u:p@h:5432/d?sslmode=disable\n}")
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

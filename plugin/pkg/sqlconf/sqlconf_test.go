package sqlconf

import (
	"strings"
	"testing"

	"github.com/coredns/caddy"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

func TestDriver(t *testing.T) {
	c := caddy.NewTestController("dns", "")
	if d, err := Driver(c, []string{"postgres"}); err != nil || d != sqlstore.Postgres {
		t.Errorf("driver postgres: %v %v", d, err)
	}
	for _, args := range [][]string{nil, {"mysql", "sqlite"}, {"oracle"}} {
		if _, err := Driver(c, args); err == nil {
			t.Errorf("driver %q: no error", args)
		}
	}
}

// A DSN's words never show in the error: they may hold a password.
func TestDSNKeepsItsSecret(t *testing.T) {
	c := caddy.NewTestController("dns", "")
	if dsn, err := DSN(c, []string{"root@tcp(127.0.0.1:3306)/pdns"}); err != nil || dsn != "root@tcp(127.0.0.1:3306)/pdns" {
		t.Errorf("one word: %q %v", dsn, err)
	}
	_, err := DSN(c, []string{"host=db", "user=pdns", "password=s3cret"})
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "3 words") {
		t.Errorf("unquoted keyword/value DSN: %v", err)
	}
}

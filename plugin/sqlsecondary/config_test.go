package sqlsecondary

import (
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

func TestParse(t *testing.T) {
	cfg, err := parse(caddy.NewTestController("dns", `sqlsecondary {
    driver mysql
    dsn "pdns:secret@tcp(127.0.0.1:3306)/pdns"
    workers 4
    timeout 20s
    max_records 5000
    max_bytes 1048576
    lease 15s
    poll 2s
    node edge-1
    autosecondary
}`))
	if err != nil {
		t.Fatal(err)
	}
	want := config{dialect: sqlstore.MySQL, dsn: "pdns:secret@tcp(127.0.0.1:3306)/pdns", workers: 4, timeout: 20 * time.Second,
		idle: 10 * time.Second, maxRecords: 5000, maxBytes: 1 << 20, lease: 15 * time.Second, poll: 2 * time.Second, node: "edge-1", autosecondary: true, autoPort: "53"}
	if cfg != want {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}

	cfg, err = parse(caddy.NewTestController("dns", "sqlsecondary {\n driver sqlite\n dsn /var/lib/hostdns/zones.db\n}"))
	if err != nil {
		t.Fatal(err)
	}
	if d := defaults(); cfg.workers != d.workers || cfg.timeout != 30*time.Second || cfg.maxRecords != 1000000 || cfg.maxBytes != 268435456 ||
		cfg.lease != 10*time.Second || cfg.poll != time.Second || cfg.autosecondary || cfg.node == "" {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sqlsecondary {\n dsn x\n}", "missing 'driver'"},
		{"sqlsecondary {\n driver sqlite\n}", "missing 'dsn'"},
		{"sqlsecondary {\n driver oracle\n dsn x\n}", "Testfile:2 - Error during parsing: unknown database driver"},
		{"sqlsecondary {\n driver sqlite\n dsn a b\n}", "dsn: want one argument, got 2 words"},
		{"sqlsecondary {\n driver sqlite\n dsn x\n workers 0\n}", "Testfile:4 - Error during parsing: workers: want a whole number"},
		{"sqlsecondary {\n driver sqlite\n dsn x\n timeout -1s\n}", "timeout: want a positive duration"},
		{"sqlsecondary {\n driver sqlite\n dsn x\n lease 100ms\n}", "lease: want at least 1s"},
		{"sqlsecondary {\n driver sqlite\n dsn x\n max_bytes lots\n}", "max_bytes: want a whole number"},
		{"sqlsecondary {\n driver sqlite\n dsn x\n autosecondary yes\n}", `autosecondary: port "yes" is not a number`},
		{"sqlsecondary {\n driver sqlite\n dsn x\n autosecondary 53 54\n}", "autosecondary: want at most a PORT"},
		{"sqlsecondary {\n driver sqlite\n dsn x\n zones example.org\n}", "Testfile:4 - Error during parsing: unknown property 'zones'"},
		{"sqlsecondary example.org {\n driver sqlite\n dsn x\n}", "takes no arguments"},
		{"sqlsecondary {\n driver sqlite\n dsn x\n}\nsqlsecondary {\n driver sqlite\n dsn y\n}", "once per server block"},
	} {
		_, err := parse(caddy.NewTestController("dns", tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestParseDSNNotEchoed: a malformed dsn line does not show its words, which
// may be a password.
func TestParseDSNNotEchoed(t *testing.T) {
	_, err := parse(caddy.NewTestController("dns", "sqlsecondary {\n driver postgres\n dsn host=db password=s3cret\n}"))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v", err)
	}
}

// FuzzParse: any Corefile text parses or fails with an error; never panics.
func FuzzParse(f *testing.F) {
	f.Add("sqlsecondary {\n driver sqlite\n dsn x\n workers 3\n autosecondary\n}")
	f.Add("sqlsecondary {\n driver mysql\n dsn \"u:p@tcp(h)/d\"\n lease 1s\n poll 1ms\n node n\n}")
	f.Add("sqlsecondary {\n timeout 99999999h\n max_records 9223372036854775807\n}")
	f.Add("sqlsecondary")
	f.Fuzz(func(t *testing.T, in string) {
		cfg, err := parse(caddy.NewTestController("dns", in))
		if err == nil && (cfg.dialect == "" || cfg.dsn == "" || cfg.workers < 1 || cfg.lease < time.Second || cfg.poll <= 0 || cfg.maxRecords < 1) {
			t.Fatalf("%q parsed to %+v", in, cfg)
		}
	})
}

func TestParseMasters(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"192.0.2.1", "192.0.2.1:53"},
		{"192.0.2.1:5300", "192.0.2.1:5300"},
		{"192.0.2.1, 192.0.2.2:54", "192.0.2.1:53 192.0.2.2:54"},
		{"192.0.2.1 192.0.2.2", "192.0.2.1:53 192.0.2.2:53"},
		{"2001:db8::1", "[2001:db8::1]:53"},
		{"[2001:db8::1]:5353,::1", "[2001:db8::1]:5353 [::1]:53"},
		{"::ffff:192.0.2.1", "192.0.2.1:53"},
	} {
		got, err := parseMasters(tc.in)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%q: %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", " , ", "ns1.example.org", "192.0.2.1:0", "192.0.2.1:65536", "fe80::1%eth0", "192.0.2.300",
		strings.Repeat("192.0.2.1,", 17)} {
		if got, err := parseMasters(bad); err == nil {
			t.Errorf("%q parsed to %v", bad, got)
		}
	}
}

// FuzzParseMasters: any master column gives addresses that parse again to
// themselves, or an error.
func FuzzParseMasters(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "192.0.2.1:5300,[2001:db8::1]:53", "::1", "a,b", "[::1]", "1.2.3.4 ,  5.6.7.8:9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseMasters(s)
		if err != nil {
			return
		}
		if len(got) == 0 || len(got) > maxMasters {
			t.Fatalf("%q: %d addresses", s, len(got))
		}
		again, err := parseMasters(strings.Join(got, ","))
		if err != nil || strings.Join(again, ",") != strings.Join(got, ",") {
			t.Fatalf("%q -> %v -> %v, %v", s, got, again, err)
		}
	})
}

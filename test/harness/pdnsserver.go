package harness

import (
	"net"
	"os/exec"
	"strconv"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// PowerDNSBinary is where Debian's pdns-server package puts the server; HOSTDNS_PDNS_SERVER
// names another.
const PowerDNSBinary = "/usr/sbin/pdns_server"

// StartPowerDNS runs a real PowerDNS authoritative server (pdns_server, package pdns-server
// with pdns-backend-mysql) on 127.0.0.1 and a free port, serving the gmysql database of m,
// so a test can compare hostdns's answers with PowerDNS's for the very same rows. It runs
// in the foreground (no guardian, no daemon), with its control socket in a temp dir and
// every cache off, so each answer is read from the database. It waits until the server
// answers a SOA query for zone (any rcode), and stops it when the test ends. It fails the
// test when the binary is missing: run test/scripts/ensure-services.sh.
func StartPowerDNS(t testing.TB, m *MariaDB, zone string) *Process {
	t.Helper()
	return startPowerDNS(t, m, zone, 0, false)
}

// StartPowerDNSSigned is StartPowerDNS with DNSSEC on (gmysql-dnssec=yes): PowerDNS signs
// the zones of m online with the keys of its cryptokeys table and the settings of its
// domainmetadata table, as pdnsutil writes them (NewPDNSUtil). It listens on port, or on a
// free one when port is 0, and caches neither keys nor metadata, so a key change made with
// pdnsutil shows in the next answer.
func StartPowerDNSSigned(t testing.TB, m *MariaDB, zone string, port int) *Process {
	t.Helper()
	return startPowerDNS(t, m, zone, port, true)
}

func startPowerDNS(t testing.TB, m *MariaDB, zone string, dnsPort int, dnssec bool) *Process {
	t.Helper()
	bin := installed(t, "HOSTDNS_PDNS_SERVER", PowerDNSBinary, "pdns-server and pdns-backend-mysql")
	cfg, err := mysql.ParseDSN(m.DSN)
	if err != nil {
		t.Fatalf("database DSN: %v", err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatalf("database address %q: %v", cfg.Addr, err)
	}
	dir := t.TempDir()
	WriteFile(t, dir, "pdns.conf", "# all settings are on the command line\n")
	if dnsPort == 0 {
		dnsPort = FreePort(t)
	}
	yesNo := map[bool]string{true: "yes", false: "no"}
	args := []string{
		"--config-dir=" + dir, "--socket-dir=" + dir,
		"--guardian=no", "--daemon=no", "--write-pid=no", "--disable-syslog=yes", "--loglevel=4",
		"--local-address=127.0.0.1", "--local-port=" + strconv.Itoa(dnsPort),
		"--launch=gmysql", "--gmysql-host=" + host, "--gmysql-port=" + port,
		"--gmysql-user=" + cfg.User, "--gmysql-password=" + cfg.Passwd, "--gmysql-dbname=" + cfg.DBName,
		"--gmysql-dnssec=" + yesNo[dnssec],
		// Answers straight from the rows: no packet, query or zone cache; keys and
		// metadata read at every question, not up to 30 s and 60 s later.
		"--cache-ttl=0", "--negquery-cache-ttl=0", "--query-cache-ttl=0", "--zone-cache-refresh-interval=0",
		"--dnssec-key-cache-ttl=0", "--zone-metadata-cache-ttl=0",
		"--consistent-backends=yes", "--default-ttl=3600",
		"--disable-axfr=no", "--allow-axfr-ips=127.0.0.0/8",
		"--webserver=no", "--api=no", "--primary=no", "--secondary=no",
		"--security-poll-suffix=", // no status look-up on the network
		"--receiver-threads=1", "--distributor-threads=1", "--signing-threads=1",
	}
	p := startProcess(t, "pdns_server", exec.Command(bin, args...), dir, net.JoinHostPort("127.0.0.1", strconv.Itoa(dnsPort)))
	if err := p.waitReady("udp", zone, DefaultReadyTimeout); err != nil {
		t.Fatalf("pdns_server: %v\nargs: %v\noutput:\n%s", err, args, p.Output())
	}
	return p
}

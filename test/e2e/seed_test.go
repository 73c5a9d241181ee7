package e2e

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
	_ "modernc.org/sqlite"
)

// TestFirstStartInterruptedWhileSeeding: a new user who stops the first start while the
// SQLite file is being seeded (Ctrl-C) gets the seeded zones at the next start, not an empty
// database that no later start would seed again.
func TestFirstStartInterruptedWhileSeeding(t *testing.T) {
	dir := t.TempDir()
	// The seed's first statement counts to 10,000,000 and inserts nothing: a second or two of
	// CPU inside the seed, which the first start is stopped in.
	harness.WriteFile(t, dir, "zones.sql", `INSERT INTO domains (id, name, type)
  SELECT x, 'slow.test', 'NATIVE' FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000) SELECT x FROM c) WHERE x < 0;
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl) VALUES
  (1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 2026120601 7200 3600 1209600 300', 3600),
  (1, 'www.example.org', 'A', '192.0.2.80', 3600);
`)
	port := harness.FreePort(t)
	corefile := fmt.Sprintf(`example.org:%d {
    bind 127.0.0.1
    sqlbackend {
        driver sqlite
        dsn zones.db
        seed zones.sql
    }
}
`, port)
	conf := harness.WriteFile(t, dir, "Corefile", corefile)

	first := exec.Command(harness.Binary(t), "-conf", conf)
	first.Dir = dir
	var firstOut bytes.Buffer
	first.Stdout, first.Stderr = &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Process.Kill(); first.Wait() })
	// Stop it inside the seed: once it has used half a second of CPU (starting takes a
	// fraction of that), or once a schema is visible in the file, whichever comes first.
	deadline := time.Now().Add(30 * time.Second)
	for cpuTime(t, first.Process.Pid) < 500*time.Millisecond && !hasDomainsTable(filepath.Join(dir, "zones.db")) {
		if time.Now().After(deadline) {
			t.Fatal("the first start did not reach the seed within 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	first.Process.Signal(syscall.SIGTERM)
	first.Wait()
	// Stopped too late, the test would prove nothing.
	if strings.Contains(firstOut.String(), "plugin/sqlbackend: Loaded") {
		t.Fatalf("the first start finished seeding before it was stopped (make its seed slower):\n%s", firstOut.String())
	}

	proc := harness.StartBinaryWith(t, corefile, harness.BinaryOptions{Dir: dir, Timeout: 60 * time.Second})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	resp := waitForSOA(t, addr, "example.org.", proc)
	if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative || len(resp.Answer) != 1 {
		t.Fatalf("SOA example.org. after an interrupted first start:\n%v\nserver output:\n%s", resp, proc.Output())
	}
	if soa, ok := resp.Answer[0].(*dns.SOA); !ok || soa.Serial != 2026120601 {
		t.Fatalf("SOA answer %v, want the seed's (serial 2026120601)", resp.Answer[0])
	}
	a := harness.Exchange(t, addr, harness.Query("www.example.org.", dns.TypeA), "udp")
	if a.Rcode != dns.RcodeSuccess || !a.Authoritative || len(a.Answer) != 1 || a.Answer[0].(*dns.A).A.String() != "192.0.2.80" {
		t.Fatalf("www.example.org. A after an interrupted first start:\n%v", a)
	}
}

// cpuTime returns the CPU time (user and system) process pid has used.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command's closing parenthesis; utime and stime are the 12th and
	// 13th of them, in clock ticks (100 a second on Linux).
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// hasDomainsTable reports whether the SQLite file at path exists and has a domains table.
func hasDomainsTable(path string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return false
	}
	defer db.Close()
	var n int
	err = db.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'domains'").Scan(&n)
	return err == nil && n == 1
}

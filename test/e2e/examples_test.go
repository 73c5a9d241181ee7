package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy/caddyfile"
	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// examplePorts are the listener ports our examples use; the test moves each to a free port so
// examples can run side by side with each other and with a server the developer runs.
var examplePorts = regexp.MustCompile(`:(1053|9153|8080|8181|6053|80|443)\b`)

// TestCorefileExamples starts every corefile-examples/*/Corefile with the built binary, as a
// user would from the repository root, and checks that every zone it names answers its SOA
// authoritatively. A folder's seed.sql, if any, is loaded into a fresh database first, after
// the PowerDNS schema: a PostgreSQL one when the Corefile reads its DSN from
// {$HOSTDNS_POSTGRES_DSN}, else a MariaDB one, whose DSN it reads from {$HOSTDNS_MYSQL_DSN}.
func TestCorefileExamples(t *testing.T) {
	root := harness.ModuleRoot(t)
	corefiles, err := filepath.Glob(filepath.Join(root, "corefile-examples", "*", "Corefile"))
	if err != nil || len(corefiles) == 0 {
		t.Fatalf("no Corefile examples found (err %v)", err)
	}
	for _, corefile := range corefiles {
		name := filepath.Base(filepath.Dir(corefile))
		t.Run(name, func(t *testing.T) {
			testExample(t, root, name)
		})
	}
}

func testExample(t *testing.T, root, name string) {
	// A copy of the examples tree stands in for the repository root, so whatever an example
	// writes (an SQLite file, say) lands in the test's temp dir and not in the checkout.
	work := t.TempDir()
	copyTree(t, filepath.Join(root, "corefile-examples"), filepath.Join(work, "corefile-examples"))
	dir := filepath.Join(work, "corefile-examples", name)

	content, err := os.ReadFile(filepath.Join(dir, "Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	corefile, _ := freePorts(t, string(content))

	// The ACME CA of url-redirector-mariadb is only asked when a client's handshake needs
	// a certificate, which this test makes none.
	env := []string{"HOSTDNS_REDIS_ADDR=127.0.0.1:6379", "HOSTDNS_ACME_CA=https://127.0.0.1:1/directory"}
	if seed := filepath.Join(dir, "seed.sql"); fileExists(seed) {
		if strings.Contains(string(content), "{$HOSTDNS_POSTGRES_DSN}") {
			env = append(env, "HOSTDNS_POSTGRES_DSN="+harness.NewPowerDNSPostgres(t, seed).DSN)
		} else {
			env = append(env, "HOSTDNS_MYSQL_DSN="+harness.NewPowerDNSDatabase(t, seed).DSN)
		}
	}

	blocks, err := caddyfile.Parse("Corefile", bytes.NewReader([]byte(corefile)), nil)
	if err != nil {
		t.Fatalf("parsing the example: %v", err)
	}
	proc := harness.StartBinaryWith(t, corefile, harness.BinaryOptions{Dir: work, Env: env})

	checked := 0
	for _, block := range blocks {
		for _, key := range block.Keys {
			zone, port := splitKey(key)
			if port == "" || zone == "." {
				continue
			}
			addr := "127.0.0.1:" + port
			soa := waitForSOA(t, addr, zone, proc)
			if soa.Rcode != dns.RcodeSuccess || !soa.Authoritative || len(soa.Answer) != 1 || soa.Answer[0].Header().Rrtype != dns.TypeSOA {
				t.Errorf("%s: SOA %s from %s is not an authoritative answer:\n%v\nserver output:\n%s", name, zone, addr, soa, proc.Output())
			}
			checked++
		}
	}
	if checked == 0 {
		t.Errorf("%s: no zone with a port in the server block keys to check", name)
	}
}

// splitKey turns a server block key ("example.org:1053", "dns://a.example:53") into a zone
// and its port.
func splitKey(key string) (zone, port string) {
	key = strings.TrimPrefix(key, "dns://")
	if i := strings.LastIndex(key, ":"); i >= 0 {
		key, port = key[:i], key[i+1:]
	}
	return plugin.Host(key).NormalizeExact()[0], port
}

// waitForSOA retries while the server is still loading its data (REFUSED or SERVFAIL), for
// examples whose zones come from a database.
func waitForSOA(t *testing.T, addr, zone string, proc *harness.Process) *dns.Msg {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp := harness.Exchange(t, addr, harness.Query(zone, dns.TypeSOA), "udp")
		if resp.Rcode == dns.RcodeSuccess || time.Now().After(deadline) {
			return resp
		}
		select {
		case <-proc.Done():
			t.Fatalf("server exited:\n%s", proc.Output())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		target := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(fmt.Errorf("copying examples: %w", err))
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// freePorts gives every port an example Corefile names (examplePorts) a free one, the same
// port the same free one, and returns the Corefile and the mapping (":1053" -> ":NNNNN").
func freePorts(t *testing.T, corefile string) (string, map[string]string) {
	ports := map[string]string{}
	out := examplePorts.ReplaceAllStringFunc(corefile, func(m string) string {
		if ports[m] == "" {
			ports[m] = ":" + strconv.Itoa(harness.FreePort(t))
		}
		return ports[m]
	})
	return out, ports
}

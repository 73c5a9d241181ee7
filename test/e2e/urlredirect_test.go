package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
)

const urlZone = `$ORIGIN example.test.
$TTL 300
@        IN SOA ns1 hostmaster 2026120501 7200 3600 1209600 300
         IN NS  ns1
ns1      IN A   192.0.2.1
www      IN URL "https://www.example.com/" 302
plain    IN A   192.0.2.80
`

// curlHead runs curl -sI with args and returns its exit code, the status line's code and
// the Location header as curl printed them.
func curlHead(t *testing.T, args ...string) (exit int, status, location string, out string) {
	t.Helper()
	cmd := exec.Command("curl", append([]string{"-sSI", "--max-time", "60"}, args...)...)
	b, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		exit = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("curl: %v", err)
	}
	out = string(b)
	for i, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if f := strings.Fields(line); i == 0 && len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/") {
			status = f[1]
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "location") {
			location = strings.TrimSpace(v)
		}
	}
	return exit, status, location, out
}

// The built binary redirects over HTTP and, with a certificate it obtains from pebble (run in
// this process, on loopback) during curl's first handshake, over HTTPS; a name without a URL
// record gets no certificate.
func TestURLRedirectCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed (test/scripts/ensure-services.sh installs it)")
	}
	dnsPort, httpPort, httpsPort := harness.FreePort(t), harness.FreePort(t), harness.FreePort(t)
	p := harness.StartPebble(t, harness.PebbleOptions{HTTPPort: httpPort, TLSALPNPort: httpsPort})
	dir := t.TempDir()
	harness.WriteFile(t, dir, "db.example.test", urlZone)
	harness.WriteFile(t, dir, "pebble-api.pem", string(p.APIRootPEM))
	root := harness.WriteFile(t, dir, "pebble-root.pem", string(p.IssuingRootPEM))
	harness.StartBinaryWith(t, fmt.Sprintf(`example.test:%d {
    bind 127.0.0.1
    urlredirect {
        address 127.0.0.1
        http 127.0.0.1:%d
        https 127.0.0.1:%d
        cert_source acme {
            ca %s
            ca_roots pebble-api.pem
            storage dir:acme
        }
    }
    file db.example.test
}
`, dnsPort, httpPort, httpsPort, p.Directory), harness.BinaryOptions{Dir: dir})

	httpURL := fmt.Sprintf("http://127.0.0.1:%d/x?y=1", httpPort)
	var exit int
	var status, loc, out string
	harness.Eventually(t, 10*time.Second, "the http listener answers", func() bool {
		exit, status, loc, out = curlHead(t, "-H", "Host: www.example.test", httpURL)
		return exit == 0
	})
	if status != "302" || loc != "https://www.example.com/x?y=1" {
		t.Errorf("curl -sI -H 'Host: www.example.test' %s: %s %q, want 302 https://www.example.com/x?y=1\n%s", httpURL, status, loc, out)
	}
	if _, status, _, out := curlHead(t, "-H", "Host: plain.example.test", httpURL); status != "404" {
		t.Errorf("plain.example.test over http: %s, want 404\n%s", status, out)
	}

	resolve := func(name string) string { return fmt.Sprintf("%s:%d:127.0.0.1", name, httpsPort) }
	start := time.Now()
	exit, status, loc, out = curlHead(t, "--cacert", root, "--resolve", resolve("www.example.test"),
		fmt.Sprintf("https://www.example.test:%d/x", httpsPort))
	t.Logf("curl's first HTTPS request, certificate issued by pebble meanwhile: %s", time.Since(start).Round(time.Millisecond))
	if exit != 0 || status != "302" || loc != "https://www.example.com/x" {
		t.Errorf("curl https://www.example.test/x: exit %d, %s %q, want 302 https://www.example.com/x\n%s", exit, status, loc, out)
	}
	// 35: curl's "SSL connect error", the handshake the redirector refused.
	if exit, _, _, out := curlHead(t, "--cacert", root, "--resolve", resolve("plain.example.test"),
		fmt.Sprintf("https://plain.example.test:%d/", httpsPort)); exit != 35 {
		t.Errorf("curl https://plain.example.test/: exit %d, want 35 (TLS handshake refused)\n%s", exit, out)
	}
	if got := p.Orders(); len(got) != 1 || got[0] != "www.example.test" {
		t.Errorf("pebble's orders: %v, want [www.example.test]", got)
	}
}

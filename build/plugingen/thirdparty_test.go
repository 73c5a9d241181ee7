package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// helloPlugin is a third-party plugin that exists only for this test: it answers every TXT
// query with a fixed greeting, so a response proves it was linked in and placed in the chain.
const helloPlugin = `package hello

import (
	"context"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"
)

func init() { plugin.Register("hello", setup) }

func setup(c *caddy.Controller) error {
	c.Next()
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler { return hello{next} })
	return nil
}

type hello struct{ next plugin.Handler }

func (h hello) Name() string { return "hello" }

func (h hello) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if r.Question[0].Qtype != dns.TypeTXT {
		return plugin.NextOrFailure(h.Name(), h.next, ctx, w, r)
	}
	m := new(dns.Msg)
	m.SetReply(r)
	m.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 5}, Txt: []string{"hello from a third-party plugin"}}}
	w.WriteMsg(m)
	return dns.RcodeSuccess, nil
}
`

const mainProgram = `package main

import (
	"github.com/coredns/coredns/coremain"

	_ %q
)

func main() { coremain.Run() }
`

// TestThirdPartyPlugin does what docs/plugins.md tells a user: add one line to plugin.cfg,
// regenerate, rebuild. The resulting binary must list the plugin and run it in the chain.
func TestThirdPartyPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a full coredns binary")
	}
	modRoot, modPath, err := findModule(".")
	if err != nil {
		t.Fatal(err)
	}
	// Under testdata so that ./... never builds it, inside the module so that it can be imported.
	testdata := filepath.Join(modRoot, "build", "testdata")
	if err := os.MkdirAll(testdata, 0o755); err != nil {
		t.Fatal(err)
	}
	work, err := os.MkdirTemp(testdata, "thirdparty")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	base := modPath + "/build/testdata/" + filepath.Base(work)

	writeFile(t, filepath.Join(work, "hello", "setup.go"), helloPlugin)
	cfg := strings.Replace(readRepoConfig(t), "\nfile:file\n", "\nhello:"+base+"/hello\nfile:file\n", 1)
	cfgPath := filepath.Join(work, "plugin.cfg")
	writeFile(t, cfgPath, cfg)

	if err := run(cfgPath, filepath.Join(work, "plugins"), false, true); err != nil {
		t.Fatalf("generating with a third-party plugin: %v", err)
	}
	writeFile(t, filepath.Join(work, "coredns", "main.go"), fmt.Sprintf(mainProgram, base+"/plugins"))
	bin := filepath.Join(t.TempDir(), "coredns")
	build := exec.Command("go", "build", "-tags", "grpcnotrace", "-o", bin, "./"+mustRel(modRoot, filepath.Join(work, "coredns")))
	build.Dir = modRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	out, err := exec.Command(bin, "-plugins").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nhello\n") {
		t.Fatalf("-plugins does not list hello (err %v):\n%s", err, out)
	}

	addr := serveBinary(t, bin, "hello")
	m := new(dns.Msg)
	m.SetQuestion("anything.example.", dns.TypeTXT)
	resp, err := dns.Exchange(m, addr)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 1 || !strings.Contains(resp.Answer[0].String(), "hello from a third-party plugin") {
		t.Fatalf("unexpected answer from the third-party plugin:\n%v", resp)
	}

	// A line whose package does not register the named plugin fails the generator, naming it.
	bad := strings.Replace(cfg, "\nhello:", "\nhelo:", 1)
	writeFile(t, cfgPath, bad)
	err = run(cfgPath, filepath.Join(work, "plugins"), false, true)
	if err == nil || !strings.Contains(err.Error(), `"helo": package `+base+"/hello registers no plugin of that name") {
		t.Fatalf("expected the unregistered plugin to be named, got %v", err)
	}
}

// serveBinary starts bin with a one-block Corefile on a free loopback port and returns the address.
func serveBinary(t *testing.T, bin, block string) string {
	t.Helper()
	// A port below the ephemeral range: one taken from port 0 could be handed to another
	// test's outgoing connection before the binary binds it (a CI run: "address already
	// in use").
	port := strconv.Itoa(harness.FreePort(t))
	addr := net.JoinHostPort("127.0.0.1", port)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Corefile"), fmt.Sprintf(".:%s {\n\tbind 127.0.0.1\n\t%s\n}\n", port, block))
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-conf", filepath.Join(dir, "Corefile"))
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })

	probe := new(dns.Msg)
	probe.SetQuestion("probe.", dns.TypeTXT)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := dns.Exchange(probe, addr); err == nil {
			return addr
		}
	}
	t.Fatalf("binary did not answer on %s:\n%s", addr, output.String())
	return ""
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

package e2e

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
	"golang.org/x/sys/unix"
)

// setcapNetBindService is the security.capability attribute `setcap
// cap_net_bind_service=+ep` writes (read back from a file on this machine): the image's
// /coredns must carry the same bytes.
const setcapNetBindService = "0100000200040000000000000000000000000000"

// buildImage runs build/image.sh on the test binary and returns the layout directory and
// the tarball it wrote.
func buildImage(t *testing.T, dir string) (layoutDir, tarPath string) {
	t.Helper()
	layoutDir, tarPath = filepath.Join(dir, "oci"), filepath.Join(dir, "image.tar")
	cmd := exec.Command("./build/image.sh")
	cmd.Dir = harness.ModuleRoot(t)
	cmd.Env = append(os.Environ(), "BINARY="+harness.Binary(t), "GOARCH="+runtime.GOARCH,
		"LAYOUT="+layoutDir, "TARBALL="+tarPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build/image.sh: %v\n%s", err, out)
	}
	return layoutDir, tarPath
}

// The image build/image.sh writes without Docker is the one of distro/Dockerfile: its
// config, its files (nonroot user, CA bundle, capability on /coredns, volume owned by
// 65532), and it serves the sample zone on port 53 as uid 65532 when run the way a
// container engine would: chrooted into the unpacked layers, as the image's user, in its
// working directory, with its entrypoint, cmd and environment.
func TestImageBuildsAndServes(t *testing.T) {
	dir := t.TempDir()
	layoutDir, tarPath := buildImage(t, dir)
	img := readLayoutImage(t, layoutDir)

	// Same inputs, same image: every timestamp is fixed.
	layout2, _ := buildImage(t, filepath.Join(dir, "again"))
	d1, _ := img.Digest()
	if d2, _ := readLayoutImage(t, layout2).Digest(); d1 != d2 {
		t.Errorf("two builds of the same inputs differ: %s and %s", d1, d2)
	}
	// The tarball holds the same config and layers as the layout.
	fromTar, err := tarball.ImageFromPath(tarPath, nil)
	if err != nil {
		t.Fatalf("reading the tarball: %v", err)
	}
	c1, _ := img.ConfigName()
	if c2, err := fromTar.ConfigName(); err != nil || c1 != c2 {
		t.Errorf("tarball config %s (%v), layout config %s", c2, err, c1)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
	check := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("User", c.User, "65532:65532")
	check("Entrypoint", c.Entrypoint, []string{"/coredns"})
	check("Cmd", c.Cmd, []string{"-conf", "/etc/coredns/Corefile"})
	check("WorkingDir", c.WorkingDir, "/var/lib/coredns")
	check("Volumes", c.Volumes, map[string]struct{}{"/var/lib/coredns": {}})
	check("ExposedPorts", c.ExposedPorts, map[string]struct{}{
		"53/udp": {}, "53/tcp": {}, "9153/tcp": {}, "8080/tcp": {}, "8181/tcp": {}})
	for k, v := range map[string]string{
		"title": "hostdns", "source": "https://github.com/hostdns/hostdns",
		"description": "CoreDNS distribution for DNS hosting providers",
	} {
		check("label "+k, c.Labels["org.opencontainers.image."+k], v)
	}

	root := filepath.Join(dir, "rootfs")
	unpackImage(t, img, root)
	checkRootfs(t, root)

	// The labels carry the stamp of the binary inside.
	out, err := exec.Command(filepath.Join(root, "coredns"), "-version").CombinedOutput()
	if err != nil {
		t.Fatalf("/coredns -version: %v\n%s", err, out)
	}
	version, revision := c.Labels["org.opencontainers.image.version"], c.Labels["org.opencontainers.image.revision"]
	if version == "" || revision == "" || !strings.Contains(string(out), version) || !strings.Contains(string(out), revision) {
		t.Errorf("labels version %q revision %q, but /coredns -version says:\n%s", version, revision, out)
	}

	t.Run("serves port 53 as 65532", func(t *testing.T) { runImage(t, root, c.Entrypoint, c.Cmd, c.WorkingDir, c.Env) })
	t.Run("no port 53 without the capability", func(t *testing.T) {
		if err := unix.Removexattr(filepath.Join(root, "coredns"), "security.capability"); err != nil {
			t.Fatal(err)
		}
		cmd, _, out := startInImage(t, root, c.Entrypoint, c.Cmd, c.WorkingDir, c.Env)
		// The limit of unprivileged ports is 1024 here; a host that lowers it (Docker sets
		// net.ipv4.ip_unprivileged_port_start=0 in containers) lets anyone bind 53.
		if start, _ := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"); strings.TrimSpace(string(start)) != "1024" {
			t.Skipf("net.ipv4.ip_unprivileged_port_start is %s: any user may bind port 53", start)
		}
		if err := cmd.Wait(); err == nil || !strings.Contains(out.String(), ":53: bind: permission denied") {
			t.Errorf("coredns without cap_net_bind_service: %v, want a bind failure on port 53:\n%s", err, out)
		}
	})
}

// checkRootfs checks what the Dockerfile's base image and COPY lines put in the image.
func checkRootfs(t *testing.T, root string) {
	t.Helper()
	capability, err := getxattr(filepath.Join(root, "coredns"), "security.capability")
	if err != nil || hex.EncodeToString(capability) != setcapNetBindService {
		t.Errorf("/coredns security.capability = %x (%v), want %s (cap_net_bind_service=ep)", capability, err, setcapNetBindService)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(root, "var/lib/coredns"), &st); err != nil || st.Uid != 65532 || st.Gid != 65532 {
		t.Errorf("/var/lib/coredns owner %d:%d (%v), want 65532:65532", st.Uid, st.Gid, err)
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	group, _ := os.ReadFile(filepath.Join(root, "etc/group"))
	if !strings.Contains(string(passwd), "\nnonroot:x:65532:65532:") || !strings.Contains(string(group), "\nnonroot:x:65532:") {
		t.Errorf("no nonroot 65532 in /etc/passwd or /etc/group:\n%s\n%s", passwd, group)
	}
	for host, image := range map[string]string{
		"/etc/ssl/certs/ca-certificates.crt": "etc/ssl/certs/ca-certificates.crt",
		"distro/Corefile":                    "etc/coredns/Corefile",
		"corefile-examples/sqlite/zones.sql": "etc/coredns/zones.sql",
	} {
		if !filepath.IsAbs(host) {
			host = filepath.Join(harness.ModuleRoot(t), host)
		}
		want, _ := os.ReadFile(host)
		got, err := os.ReadFile(filepath.Join(root, image))
		if err != nil || len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("/%s differs from %s (%v)", image, host, err)
		}
	}
}

func getxattr(path, attr string) ([]byte, error) {
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(path, attr, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// loopbackAddr returns a random address in 127/8 outside 127.0.0/24, so the image's own
// ports (53, 9153, 8080, 8181) can be used unchanged without meeting another server.
func loopbackAddr() string {
	return fmt.Sprintf("127.%d.%d.%d", 1+rand.IntN(254), rand.IntN(256), 1+rand.IntN(254))
}

// startInImage rewrites the image's Corefile to listen on a fresh loopback address (same
// ports) and starts the entrypoint chrooted into root as uid:gid 65532.
func startInImage(t *testing.T, root string, entrypoint, cmdArgs []string, workdir string, env []string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	addr := loopbackAddr()
	conf := filepath.Join(root, "etc/coredns/Corefile")
	orig, err := os.ReadFile(filepath.Join(harness.ModuleRoot(t), "distro", "Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	corefile := strings.Replace(string(orig), ". {\n", ". {\n    bind "+addr+"\n", 1)
	for _, p := range []string{":9153", ":8080", ":8181"} {
		corefile = strings.Replace(corefile, " "+p+"\n", " "+addr+p+"\n", 1)
	}
	if err := os.WriteFile(conf, []byte(corefile), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(entrypoint[0], cmdArgs...)
	cmd.Dir, cmd.Env = workdir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: 65532, Gid: 65532},
		Pdeathsig:  syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s in %s: %v", entrypoint, root, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("coredns output:\n%s\nCorefile:\n%s", out.String(), corefile)
		}
	})
	return cmd, addr, &out
}

func runImage(t *testing.T, root string, entrypoint, cmdArgs []string, workdir string, env []string) {
	cmd, addr, _ := startInImage(t, root, entrypoint, cmdArgs, workdir, env)
	dnsAddr := addr + ":53"
	resp := harness.WaitFor(t, dnsAddr, "example.org.", dns.TypeSOA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess }, 15*time.Second)
	harness.AssertResponse(t, resp, harness.Response{
		Authoritative: true,
		Answer:        []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026112101 7200 3600 1209600 300"},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.org."},
	})
	tcp := harness.Exchange(t, dnsAddr, harness.Query("example.org.", dns.TypeSOA), "tcp")
	if tcp.Rcode != dns.RcodeSuccess || len(tcp.Answer) != 1 {
		t.Errorf("SOA over TCP: %v", tcp)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil || !slices.ContainsFunc(strings.Split(string(status), "\n"), func(l string) bool {
		return strings.HasPrefix(l, "Uid:\t65532\t65532\t65532\t65532")
	}) {
		t.Errorf("coredns does not run as 65532 (%v):\n%s", err, status)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(root, "var/lib/coredns/zones.db"), &st); err != nil || st.Uid != 65532 {
		t.Errorf("zones.db in the volume: owner %d, %v; want created by 65532", st.Uid, err)
	}
	resp2, err := (&nethttp.Client{Timeout: 5 * time.Second}).Get("http://" + addr + ":8181/ready")
	if err != nil {
		t.Fatalf("GET /ready: %v", err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != nethttp.StatusOK {
		t.Errorf("GET /ready: %s", resp2.Status)
	}
}

package e2e

import (
	"fmt"
	nethttp "net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/hostdns/hostdns/test/harness"
)

// k8sObject is the part of a Kubernetes object the tests look at; sigs.k8s.io/yaml reads
// the manifests through their JSON field names, so unknown fields are simply ignored.
type k8sObject struct {
	APIVersion string                `json:"apiVersion"`
	Kind       string                `json:"kind"`
	Metadata   struct{ Name string } `json:"metadata"`
	Data       map[string]string     `json:"data"`
	Spec       struct {
		Template struct {
			Spec k8sPodSpec `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

type k8sPodSpec struct {
	SecurityContext struct {
		RunAsNonRoot *bool  `json:"runAsNonRoot"`
		RunAsUser    *int64 `json:"runAsUser"`
	} `json:"securityContext"`
	Containers []k8sContainer `json:"containers"`
	Volumes    []struct {
		Name      string `json:"name"`
		EmptyDir  any    `json:"emptyDir"`
		PVC       any    `json:"persistentVolumeClaim"`
		ConfigMap *struct {
			Name string `json:"name"`
		} `json:"configMap"`
	} `json:"volumes"`
}

type k8sContainer struct {
	Image           string `json:"image"`
	SecurityContext struct {
		RunAsNonRoot             *bool  `json:"runAsNonRoot"`
		RunAsUser                *int64 `json:"runAsUser"`
		ReadOnlyRootFilesystem   *bool  `json:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool  `json:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `json:"drop"`
			Add  []string `json:"add"`
		} `json:"capabilities"`
	} `json:"securityContext"`
	ReadinessProbe *k8sProbe `json:"readinessProbe"`
	LivenessProbe  *k8sProbe `json:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `json:"requests"`
		Limits   map[string]string `json:"limits"`
	} `json:"resources"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	} `json:"volumeMounts"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string `json:"path"`
		Port any    `json:"port"`
	} `json:"httpGet"`
}

// readManifests parses every document of every distro/k8s/*.yaml file.
func readManifests(t *testing.T, root string) []k8sObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "distro", "k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in distro/k8s (err %v)", err)
	}
	var objs []k8sObject
	for _, f := range files {
		content, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(content), -1) {
			var obj k8sObject
			if err := yaml.UnmarshalStrict([]byte(doc), &map[string]any{}); err != nil {
				t.Fatalf("%s, document %d: %v", filepath.Base(f), i, err)
			}
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				t.Fatalf("%s, document %d: %v", filepath.Base(f), i, err)
			}
			if obj.Kind == "" || obj.APIVersion == "" || obj.Metadata.Name == "" {
				t.Errorf("%s, document %d: no kind, apiVersion or name", filepath.Base(f), i)
			}
			objs = append(objs, obj)
		}
	}
	return objs
}

// k8sDeployment finds the one workload and the ConfigMap holding the Corefile.
func k8sDeployment(t *testing.T, objs []k8sObject) (k8sPodSpec, string) {
	t.Helper()
	var pods []k8sPodSpec
	corefile := ""
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.Kind]++
		switch o.Kind {
		case "Deployment", "DaemonSet":
			pods = append(pods, o.Spec.Template.Spec)
		case "ConfigMap":
			corefile = o.Data["Corefile"]
		}
	}
	for _, k := range []string{"ConfigMap", "Service", "Secret"} {
		if kinds[k] == 0 {
			t.Errorf("no %s among the manifests (kinds: %v)", k, kinds)
		}
	}
	if len(pods) != 1 || corefile == "" {
		t.Fatalf("want one Deployment or DaemonSet and a ConfigMap with a Corefile; kinds: %v", kinds)
	}
	return pods[0], corefile
}

// httpPluginAddr returns the port that plugin (health, ready) listens on in corefile.
func httpPluginAddr(t *testing.T, corefile, plugin string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*` + plugin + `\s+\S*:(\d+)\b`).FindStringSubmatch(corefile)
	if m == nil {
		t.Fatalf("the ConfigMap's Corefile has no '%s :PORT' line:\n%s", plugin, corefile)
	}
	return m[1]
}

// TestK8sManifests checks the shape of distro/k8s: the hostdns image, the hardening of
// distro/README.md, probes on the Corefile's own health and ready listeners, resources and
// a writable /var/lib/coredns on a read-only root file system.
func TestK8sManifests(t *testing.T) {
	pod, corefile := k8sDeployment(t, readManifests(t, harness.ModuleRoot(t)))
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if !strings.Contains(c.Image, "hostdns") || strings.Contains(c.Image, "coredns/coredns") {
		t.Errorf("image %q is not a hostdns image", c.Image)
	}
	sc := c.SecurityContext
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != 65532 {
		t.Errorf("container must run as non-root uid 65532: runAsNonRoot %v runAsUser %v", sc.RunAsNonRoot, sc.RunAsUser)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("readOnlyRootFilesystem must be true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("allowPrivilegeEscalation must be false")
	}
	if fmt.Sprint(sc.Capabilities.Drop) != "[ALL]" || fmt.Sprint(sc.Capabilities.Add) != "[NET_BIND_SERVICE]" {
		t.Errorf("capabilities drop %v add %v, want drop [ALL] add [NET_BIND_SERVICE]", sc.Capabilities.Drop, sc.Capabilities.Add)
	}
	for name, p := range map[string]struct {
		probe        *k8sProbe
		plugin, path string
	}{"readinessProbe": {c.ReadinessProbe, "ready", "/ready"}, "livenessProbe": {c.LivenessProbe, "health", "/health"}} {
		want := httpPluginAddr(t, corefile, p.plugin)
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s: no httpGet probe", name)
			continue
		}
		if got := fmt.Sprint(p.probe.HTTPGet.Port); got != want || p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s: GET %s on port %s, but the Corefile's %s listens on :%s (path %s)", name, p.probe.HTTPGet.Path, got, p.plugin, want, p.path)
		}
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources: want cpu and memory requests and a memory limit, got %+v", c.Resources)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	for _, v := range pod.Volumes {
		if v.Name == mounts["/var/lib/coredns"] && v.EmptyDir == nil && v.PVC == nil {
			t.Errorf("/var/lib/coredns (volume %s) is neither an emptyDir nor a PVC", v.Name)
		}
		if v.Name == mounts["/etc/coredns"] && v.ConfigMap == nil {
			t.Errorf("/etc/coredns (volume %s) is not the ConfigMap", v.Name)
		}
	}
	if mounts["/var/lib/coredns"] == "" || mounts["/etc/coredns"] == "" {
		t.Errorf("volume mounts %v: want /etc/coredns and /var/lib/coredns", mounts)
	}
}

// TestK8sCorefileServes starts the ConfigMap's Corefile with the built binary, its DSN
// pointing at a fresh MariaDB database with the mariadb-redis example's zones, the paths
// of the pod's volume in a temp dir and its ports on free loopback ones, and checks what
// the kubelet's probes would see and a DNS answer.
func TestK8sCorefileServes(t *testing.T) {
	root := harness.ModuleRoot(t)
	_, corefile := k8sDeployment(t, readManifests(t, root))
	state := t.TempDir()
	corefile = strings.ReplaceAll(corefile, "/var/lib/coredns", state)
	listen := map[string]string{}
	for _, plugin := range []string{"prometheus", "health", "ready"} {
		port := ":" + httpPluginAddr(t, corefile, plugin)
		listen[plugin] = fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
		corefile = regexp.MustCompile(`(?m)^(\s*`+plugin+`\s+)`+port+`\b`).ReplaceAllString(corefile, "${1}"+listen[plugin])
	}
	if !strings.Contains(corefile, ". {\n") {
		t.Fatalf("the ConfigMap's Corefile has no '. {' server block:\n%s", corefile)
	}
	corefile = strings.Replace(corefile, ". {\n", ". {\n    bind 127.0.0.1\n", 1)
	db := harness.NewPowerDNSDatabase(t, filepath.Join(root, "corefile-examples", "mariadb-redis", "seed.sql"))

	dnsPort := harness.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", dnsPort)
	proc := harness.StartBinaryWith(t, corefile, harness.BinaryOptions{
		Dir:   state,
		Args:  []string{"-dns.port", strconv.Itoa(dnsPort)},
		Env:   []string{"HOSTDNS_MYSQL_DSN=" + db.DSN, "HOSTDNS_REDIS_ADDR=127.0.0.1:6379"},
		Ready: addr,
	})
	soa := waitForSOA(t, addr, "example.com.", proc)
	harness.AssertResponse(t, soa, harness.Response{
		Authoritative: true,
		Answer:        []string{"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2026112101 7200 3600 1209600 300"},
		Ns:            []string{"example.com. 3600 IN NS ns1.example.com.", "example.com. 3600 IN NS ns2.example.com."},
	})
	client := &nethttp.Client{Timeout: 5 * time.Second}
	for plugin, path := range map[string]string{"health": "/health", "ready": "/ready", "prometheus": "/metrics"} {
		url := "http://" + listen[plugin] + path
		harness.Eventually(t, 10*time.Second, "GET "+url+" answers 200", func() bool {
			resp, err := client.Get(url)
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == nethttp.StatusOK
		})
	}
}

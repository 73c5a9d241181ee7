package e2e

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/hostdns/hostdns/test/harness"
)

// build/release.sh writes static Linux binaries, image tarballs and one multi-platform OCI
// layout into dist/ with a
// SHA256SUMS that `sha256sum -c` verifies and that notices a changed byte. Cross-compiling
// arm64 takes one to two minutes on the 2-core test machines, so by default only amd64 is
// built (a link from the build cache); HOSTDNS_RELEASE_TEST=1 builds both, as a release does.
func TestReleaseArtefacts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binaries")
	}
	arches := []string{"amd64"}
	if os.Getenv("HOSTDNS_RELEASE_TEST") == "1" {
		arches = append(arches, "arm64")
	}
	root := harness.ModuleRoot(t)
	version, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	cmd := exec.Command("./build/release.sh")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DIST="+dist, "ARCHES="+strings.Join(arches, " "))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build/release.sh: %v\n%s", err, out)
	}

	var want []string
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	for _, arch := range arches {
		bin := "hostdns-" + strings.TrimSpace(string(version)) + "-linux-" + arch
		image := strings.Replace(bin, "-linux-", "-image-linux-", 1) + ".tar"
		compare := strings.Replace(bin, "hostdns-", "hostdns-compare-", 1)
		want = append(want, bin, image, compare)
		checkStaticELF(t, filepath.Join(dist, bin), machines[arch])
		checkStaticELF(t, filepath.Join(dist, compare), machines[arch])
		img, err := tarball.ImageFromPath(filepath.Join(dist, image), nil)
		if err != nil {
			t.Errorf("%s: %v", image, err)
			continue
		}
		if cf, err := img.ConfigFile(); err != nil || cf.Architecture != arch {
			t.Errorf("%s: architecture %v (%v), want %s", image, cf.Architecture, err, arch)
		}
	}
	ociTar := "hostdns-" + strings.TrimSpace(string(version)) + "-image-oci.tar"
	want = append(want, ociTar)
	checkMultiPlatform(t, filepath.Join(dist, ociTar), arches)
	sums, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		if _, name, ok := strings.Cut(line, "  "); ok {
			listed = append(listed, name)
		}
	}
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("SHA256SUMS lists %v, want %v:\n%s", listed, want, sums)
	}
	if out, err := sha256Check(dist); err != nil {
		t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
	}
	// A changed artefact must fail the check.
	f, err := os.OpenFile(filepath.Join(dist, want[0]), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0})
	f.Close()
	if out, err := sha256Check(dist); err == nil {
		t.Errorf("sha256sum -c passes after %s changed:\n%s", want[0], out)
	}
}

// checkMultiPlatform unpacks the OCI layout tarball and checks that its one entry is an image
// index with an image per arch, each for linux/arch by its platform and its config.
func checkMultiPlatform(t *testing.T, tarPath string, arches []string) {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-C", dir, "-xf", tarPath).CombinedOutput(); err != nil {
		t.Fatalf("tar -xf %s: %v\n%s", tarPath, err, out)
	}
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("%s: %v", tarPath, err)
	}
	tm, err := top.IndexManifest()
	if err != nil || len(tm.Manifests) != 1 || tm.Manifests[0].MediaType != types.OCIImageIndex {
		t.Fatalf("%s: index.json %+v (%v), want one image index", tarPath, tm, err)
	}
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range m.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil || d.Platform == nil || d.Platform.OS != "linux" || cf.Architecture != d.Platform.Architecture {
			t.Errorf("manifest %s: platform %+v, config architecture %v (%v)", d.Digest, d.Platform, cf.Architecture, err)
			continue
		}
		got = append(got, d.Platform.Architecture)
	}
	if !slices.Equal(got, arches) {
		t.Errorf("index platforms %v, want %v", got, arches)
	}
	checkWithOCITools(t, tarPath, arches)
}

// checkWithOCITools has real OCI tools read the archive, as an operator's would: skopeo picks
// each platform's image out of the index, and umoci unpacks the first into a runtime bundle
// whose process is /coredns as uid 65532 (no container runtime can run here: test/scripts/
// ensure-services.sh installs both tools).
func checkWithOCITools(t *testing.T, tarPath string, arches []string) {
	t.Helper()
	for _, arch := range arches {
		out, err := exec.Command("skopeo", "inspect", "--override-os", "linux", "--override-arch", arch, "oci-archive:"+tarPath).Output()
		var info struct{ Architecture, Os string }
		if err != nil || json.Unmarshal(out, &info) != nil || info.Architecture != arch || info.Os != "linux" {
			t.Errorf("skopeo inspect (%s): %+v, %v: %s", arch, info, err, out)
		}
	}
	dir := t.TempDir()
	layoutDir, bundle := filepath.Join(dir, "layout"), filepath.Join(dir, "bundle")
	if out, err := exec.Command("skopeo", "copy", "--override-arch", arches[0], "oci-archive:"+tarPath, "oci:"+layoutDir+":hostdns").CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	if out, err := exec.Command("umoci", "unpack", "--image", layoutDir+":hostdns", bundle).CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Process struct {
			User struct{ UID, GID uint32 }
			Args []string
		}
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.Process.User.UID != 65532 || spec.Process.User.GID != 65532 || len(spec.Process.Args) == 0 || spec.Process.Args[0] != "/coredns" {
		t.Errorf("umoci's runtime bundle: user %+v, args %v; want uid/gid 65532 running /coredns", spec.Process.User, spec.Process.Args)
	}
	checkStaticELF(t, filepath.Join(bundle, "rootfs", "coredns"), map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arches[0]])
}

func sha256Check(dir string) ([]byte, error) {
	cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// checkStaticELF checks that path is a 64-bit little-endian Linux executable for machine
// with no program interpreter, i.e. statically linked (CGO_ENABLED=0).
func checkStaticELF(t *testing.T, path string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	defer f.Close()
	if f.Machine != machine || f.Class != elf.ELFCLASS64 || f.Type != elf.ET_EXEC {
		t.Errorf("%s: %s %s %s, want %s ELFCLASS64 ET_EXEC", filepath.Base(path), f.Machine, f.Class, f.Type, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a program interpreter: not static", filepath.Base(path))
		}
	}
}

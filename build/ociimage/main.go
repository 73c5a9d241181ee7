// Command ociimage builds the hostdns container image of distro/Dockerfile without a
// Docker daemon or a registry: from the static binary and files on disk it writes an OCI
// image layout directory and a `docker load`-able tarball. build/image.sh runs it. With
// -merge it joins such layouts of several platforms into one multi-platform image index
// (build/release.sh).
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	var (
		binary   = flag.String("binary", "bin/coredns", "static coredns binary for the image's /coredns")
		corefile = flag.String("corefile", "distro/Corefile", "the image's /etc/coredns/Corefile")
		seed     = flag.String("seed", "corefile-examples/sqlite/zones.sql", "the image's /etc/coredns/zones.sql")
		caCerts  = flag.String("cacerts", "/etc/ssl/certs/ca-certificates.crt", "CA bundle for /etc/ssl/certs/ca-certificates.crt")
		arch     = flag.String("arch", "amd64", "GOARCH the binary was built for")
		version  = flag.String("version", "dev", "release, for the org.opencontainers.image.version label")
		commit   = flag.String("commit", "unknown", "commit, for the org.opencontainers.image.revision label")
		epoch    = flag.String("epoch", "0", "Unix time of every timestamp in the image (SOURCE_DATE_EPOCH)")
		noCap    = flag.Bool("nocap", false, "leave out the file capability cap_net_bind_service on /coredns")
		layoutTo = flag.String("layout", "", "write an OCI image layout directory here")
		tarTo    = flag.String("tarball", "", "write a docker-load tarball here")
		tag      = flag.String("tag", "hostdns:dev", "image reference recorded in the tarball and the layout")
		merge    = flag.String("merge", "", "comma-separated single-platform layouts to join into one multi-platform index at -layout")
	)
	flag.Parse()
	if *merge != "" {
		if *layoutTo == "" {
			fmt.Fprintln(os.Stderr, "ociimage: -merge needs -layout")
			os.Exit(2)
		}
		if err := mergeLayouts(strings.Split(*merge, ","), *layoutTo, *tag); err != nil {
			fmt.Fprintln(os.Stderr, "ociimage:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*binary, *corefile, *seed, *caCerts, *arch, *version, *commit, *epoch, !*noCap, *layoutTo, *tarTo, *tag); err != nil {
		fmt.Fprintln(os.Stderr, "ociimage:", err)
		os.Exit(1)
	}
}

func run(binary, corefile, seed, caCerts, arch, version, commit, epoch string, withCap bool, layoutTo, tarTo, tag string) error {
	files, err := readAll(binary, corefile, seed, caCerts)
	if err != nil {
		return err
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("-epoch %q: %v", epoch, err)
	}
	s := spec{arch: arch, version: version, commit: commit, created: time.Unix(secs, 0).UTC()}
	img, err := buildImage(baseEntries(files[3]), appEntries(files[0], files[1], files[2], withCap), s)
	if err != nil {
		return err
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	if layoutTo != "" {
		if err := os.RemoveAll(layoutTo); err != nil {
			return err
		}
		p, err := layout.Write(layoutTo, empty.Index)
		if err != nil {
			return err
		}
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
			"org.opencontainers.image.ref.name": ref.TagStr(),
		})); err != nil {
			return err
		}
	}
	if tarTo != "" {
		if err := tarball.WriteToFile(tarTo, ref, img); err != nil {
			return err
		}
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("image %s %s (linux/%s)\n", ref, d, arch)
	return nil
}

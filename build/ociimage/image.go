package main

import (
	"bytes"
	"io"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// spec is what goes into the image besides the files.
type spec struct {
	arch, version, commit string
	created               time.Time
}

// buildImage assembles the image of distro/Dockerfile from its two layers: the distroless
// stand-in and the application files. OCI media types throughout, so the layout is a
// plain OCI image layout.
func buildImage(base, app []entry, s spec) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	for _, l := range []struct {
		entries   []entry
		createdBy string
	}{
		{base, "distroless static-debian12:nonroot stand-in (build/ociimage)"},
		{app, "hostdns: /coredns, /etc/coredns, /var/lib/coredns (build/ociimage)"},
	} {
		data, err := tarLayer(l.entries, s.created)
		if err != nil {
			return nil, err
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, err
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:   layer,
			History: v1.History{Created: v1.Time{Time: s.created}, CreatedBy: l.createdBy},
		})
		if err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: s.created}
	cf.OS, cf.Architecture = "linux", s.arch
	if s.arch == "arm64" {
		cf.Variant = "v8"
	}
	cf.Config = config(s)
	return mutate.ConfigFile(img, cf)
}

// config mirrors the Dockerfile's LABEL, VOLUME, WORKDIR, EXPOSE, USER, ENTRYPOINT, CMD.
func config(s spec) v1.Config {
	ports := map[string]struct{}{}
	for _, p := range []string{"53/udp", "53/tcp", "9153/tcp", "8080/tcp", "8181/tcp"} {
		ports[p] = struct{}{}
	}
	return v1.Config{
		User:         strconv.Itoa(nonroot) + ":" + strconv.Itoa(nonroot),
		Entrypoint:   []string{"/coredns"},
		Cmd:          []string{"-conf", "/etc/coredns/Corefile"},
		Env:          []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
		ExposedPorts: ports,
		Volumes:      map[string]struct{}{"/var/lib/coredns": {}},
		WorkingDir:   "/var/lib/coredns",
		Labels: map[string]string{
			"org.opencontainers.image.title":       "hostdns",
			"org.opencontainers.image.description": "CoreDNS distribution for DNS hosting providers",
			"org.opencontainers.image.version":     s.version,
			"org.opencontainers.image.revision":    s.commit,
			"org.opencontainers.image.source":      "https://github.com/hostdns/hostdns",
		},
	}
}

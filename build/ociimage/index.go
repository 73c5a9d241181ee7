package main

import (
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// mergeLayouts writes to out an OCI image layout holding one multi-platform image index
// (tagged tag) over the single-platform images of the layouts in inputs, as `docker buildx`
// would push for linux/amd64 and linux/arm64: a runtime pulls the image of its platform.
func mergeLayouts(inputs []string, out, tag string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, in := range inputs {
		img, err := onlyImage(in)
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: cf.OS, Architecture: cf.Architecture}},
		})
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	p, err := layout.Write(out, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": ref.TagStr(),
	})); err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("index %s %s (%d platforms)\n", ref, d, len(inputs))
	return nil
}

// onlyImage returns the one image of an OCI layout written by this command.
func onlyImage(dir string) (v1.Image, error) {
	ii, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, err
	}
	m, err := ii.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(m.Manifests) != 1 {
		return nil, fmt.Errorf("%d manifests, want the one image of build/image.sh", len(m.Manifests))
	}
	return ii.Image(m.Manifests[0].Digest)
}

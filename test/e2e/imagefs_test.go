package e2e

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"golang.org/x/sys/unix"
)

// readLayoutImage returns the one image of the OCI image layout at dir.
func readLayoutImage(t *testing.T, dir string) v1.Image {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("reading the OCI layout %s: %v", dir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 {
		t.Fatalf("the layout indexes %d manifests, want 1", len(m.Manifests))
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// unpackImage extracts img's layers in order into root as a container engine would:
// owners, modes, and the SCHILY.xattr.* PAX records as extended attributes (the tests run
// as root, so chown and security.* attributes work). It handles the regular files and
// directories the image holds and fails on anything else.
func unpackImage(t *testing.T, img v1.Image, root string) {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		err = unpackLayer(tar.NewReader(rc), root)
		rc.Close()
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
	}
}

func unpackLayer(tr *tar.Reader, root string) error {
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean("/" + h.Name)
		if strings.Contains(h.Name, "..") {
			return fmt.Errorf("%s: path leaves the root", h.Name)
		}
		path := filepath.Join(root, name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(path, 0o755)
		case tar.TypeReg:
			err = writeLayerFile(path, tr)
		default:
			return fmt.Errorf("%s: unexpected tar entry type %q", h.Name, h.Typeflag)
		}
		if err != nil {
			return err
		}
		if err := applyHeader(path, h); err != nil {
			return fmt.Errorf("%s: %v", h.Name, err)
		}
	}
}

func writeLayerFile(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// applyHeader sets owner, mode and extended attributes, in that order: chown clears a
// file capability, so the attributes come last.
func applyHeader(path string, h *tar.Header) error {
	if err := os.Lchown(path, h.Uid, h.Gid); err != nil {
		return err
	}
	if err := os.Chmod(path, os.FileMode(h.Mode)&os.ModePerm|modeBits(h.Mode)); err != nil {
		return err
	}
	for k, v := range h.PAXRecords {
		if attr, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			if err := unix.Lsetxattr(path, attr, []byte(v), 0); err != nil {
				return fmt.Errorf("setxattr %s: %v", attr, err)
			}
		}
	}
	return nil
}

// modeBits carries the sticky, setuid and setgid bits of a tar mode over to os.FileMode.
func modeBits(m int64) os.FileMode {
	var fm os.FileMode
	if m&0o1000 != 0 {
		fm |= os.ModeSticky
	}
	if m&0o2000 != 0 {
		fm |= os.ModeSetgid
	}
	if m&0o4000 != 0 {
		fm |= os.ModeSetuid
	}
	return fm
}

package main

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"os"
	"time"
)

// nonroot is distroless's unprivileged user and group, the image's USER.
const nonroot = 65532

// capNetBindService is the capability number of CAP_NET_BIND_SERVICE (linux/capability.h).
const capNetBindService = 10

// fileCapability returns the value of the security.capability extended attribute that
// `setcap cap_net_bind_service=+ep` writes: a struct vfs_cap_data, revision 2 (two 32-bit
// permitted/inheritable words), little-endian, with the effective flag set so the
// capability is raised on exec without the program asking for it (capabilities(7)).
func fileCapability() []byte {
	const vfsCapRevision2, vfsCapFlagsEffective = 0x02000000, 0x000001
	words := []uint32{vfsCapRevision2 | vfsCapFlagsEffective, 1 << capNetBindService, 0, 0, 0}
	b := make([]byte, 0, 4*len(words))
	for _, w := range words {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return b
}

// entry is one file or directory of a layer.
type entry struct {
	name     string // without a leading slash; directories end in '/'
	mode     int64
	uid, gid int
	data     []byte
	xattrs   map[string]string
}

// tarLayer writes entries as a tar stream with every timestamp at mtime, so equal inputs
// give byte-identical layers (and digests).
func tarLayer(entries []entry, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.gid,
			ModTime: mtime, Format: tar.FormatPAX,
		}
		if e.name[len(e.name)-1] == '/' {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if len(e.xattrs) > 0 {
			// Docker, containerd and podman restore SCHILY.xattr.* PAX records as extended
			// attributes when they unpack a layer: that is how setcap in a Dockerfile survives.
			h.PAXRecords = map[string]string{}
			for k, v := range e.xattrs {
				h.PAXRecords["SCHILY.xattr."+k] = v
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// baseEntries stand in for gcr.io/distroless/static-debian12:nonroot, which cannot be
// pulled here: the users, CA certificates, /tmp and nonroot's home.
func baseEntries(caCerts []byte) []entry {
	passwd := "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group := "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"
	return []entry{
		{name: "etc/", mode: 0o755},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
		{name: "etc/nsswitch.conf", mode: 0o644, data: []byte("hosts: files dns\n")},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: caCerts},
		{name: "home/", mode: 0o755},
		{name: "home/nonroot/", mode: 0o700, uid: nonroot, gid: nonroot},
		{name: "root/", mode: 0o700},
		{name: "tmp/", mode: 0o1777},
	}
}

// appEntries are what distro/Dockerfile copies into the final stage.
func appEntries(binary, corefile, seed []byte, withCap bool) []entry {
	bin := entry{name: "coredns", mode: 0o755, data: binary}
	if withCap {
		bin.xattrs = map[string]string{"security.capability": string(fileCapability())}
	}
	return []entry{
		bin,
		{name: "etc/", mode: 0o755},
		{name: "etc/coredns/", mode: 0o755},
		{name: "etc/coredns/Corefile", mode: 0o644, data: corefile},
		{name: "etc/coredns/zones.sql", mode: 0o644, data: seed},
		{name: "var/", mode: 0o755},
		{name: "var/lib/", mode: 0o755},
		{name: "var/lib/coredns/", mode: 0o755, uid: nonroot, gid: nonroot},
	}
}

func readAll(paths ...string) ([][]byte, error) {
	out := make([][]byte, len(paths))
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

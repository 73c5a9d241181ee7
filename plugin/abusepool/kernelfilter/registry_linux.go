//go:build linux

package kernelfilter

import (
	"sync"
	"sync/atomic"
)

var generation atomic.Uint64

func nextGen() uint64 { return generation.Add(1) }

// sockets records which filter owns each socket's filter. A reload starts the new instance
// before it stops the old one, on the same sockets: the newer filter takes them over, and the
// older one, stopping, detaches only what it still owns, so it never removes its
// successor's filter; with kernel_drop gone from the new config it removes its own.
var sockets = &registry{owners: map[uint64]owned{}}

type registry struct {
	mu     sync.Mutex
	owners map[uint64]owned
}

type owned struct {
	f *Filter
	s socket
}

// claim reports whether f should attach its program to s now: s is new to f (and no newer
// filter owns it), or f owns it and its program changed. f owns s from then on.
func (r *registry) claim(f *Filter, s socket, changed bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.owners[s.inode]
	switch {
	case ok && cur.f == f && cur.s == s:
		if !changed {
			return false
		}
	case ok && cur.f != f && cur.f.gen > f.gen:
		return false
	}
	r.owners[s.inode] = owned{f: f, s: s}
	return true
}

func (r *registry) owner(inode uint64) *Filter {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.owners[inode].f
}

// drop forgets f's claim on inode (attaching failed).
func (r *registry) drop(f *Filter, inode uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.owners[inode].f == f {
		delete(r.owners, inode)
	}
}

// release forgets every socket f owns and returns them, to be detached.
func (r *registry) release(f *Filter) []socket {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []socket
	for inode, o := range r.owners {
		if o.f == f {
			out = append(out, o.s)
			delete(r.owners, inode)
		}
	}
	return out
}

func (r *registry) inodes() map[uint64]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[uint64]bool, len(r.owners))
	for inode := range r.owners {
		out[inode] = true
	}
	return out
}

// socketDrops sums sk_drops over the filtered sockets (a scrape reads /proc/net/udp*).
func socketDrops() float64 {
	own := sockets.inodes()
	if len(own) == 0 {
		return 0
	}
	var sum uint64
	for _, name := range []string{"/proc/self/net/udp", "/proc/self/net/udp6"} {
		rows, err := readProcNet(name)
		if err != nil {
			continue
		}
		for _, r := range rows {
			if own[r.Inode] {
				sum += r.Drops
			}
		}
	}
	return float64(sum)
}

//go:build linux

package kernelfilter

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Filter keeps a socket filter on the server's UDP sockets that matches the rules.
type Filter struct {
	o   Options
	gen uint64 // newer filters (a reload's) win a socket over older ones

	stop chan struct{}
	done chan struct{}
	once sync.Once

	// Owned by the loop.
	wanted   []netip.Prefix // the rules' drop prefixes the program was built from
	prefixes []netip.Prefix // those in the program
	omitted  int
	prog     []bpf.RawInstruction
	dirty    bool // prog is not yet on the sockets the filter owns

	index     publishedIndex // the sources whose packets the handler sees as samples
	published published      // what this filter added to the gauges
}

type published struct{ prefixes, omitted, sockets int }

// New makes a filter; nothing is attached until Start.
func New(o Options) (*Filter, error) {
	if o.Port <= 0 || o.Port > 65535 || o.Rules == nil {
		return nil, fmt.Errorf("kernel_drop: port %d (want 1-65535) or rule source missing", o.Port)
	}
	if !ValidSample(o.Sample) {
		return nil, fmt.Errorf("kernel_drop: sample %d is not 0 or a power of two from 2 to %d", o.Sample, MaxSample)
	}
	o.defaults()
	return &Filter{o: o, gen: nextGen(), stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// Start runs the loop: the sockets appear only once CoreDNS has started its servers, after
// the plugins' startup functions, so they are looked for every Rescan.
func (f *Filter) Start() {
	go f.loop()
}

// Stop ends the loop and detaches the filter from every socket it still owns (a reload's
// newer filter keeps those it took over).
func (f *Filter) Stop() {
	f.once.Do(func() {
		close(f.stop)
		<-f.done
		for _, s := range sockets.release(f) {
			if err := detach(s); err != nil {
				log.Warningf("kernel_drop: detaching from socket %d: %v", s.inode, err)
			}
		}
		f.index.clear()
		f.publish(published{})
	})
}

// Sampled is the 1-in-N sample at which the filter on the sockets lets the packets from addr
// (a UDP packet's source) through, or 0 when it does not drop them: a packet from addr the
// handler reads is one of the sample, standing for N. Safe for concurrent use.
func (f *Filter) Sampled(addr netip.Addr) uint32 {
	if f == nil {
		return 0
	}
	return f.index.cur.Load().sampled(addr)
}

func (f *Filter) loop() {
	defer close(f.done)
	poll := time.NewTicker(f.o.Poll)
	defer poll.Stop()
	var seen *rules.Set
	again, lastScan := true, time.Time{}
	for {
		set := f.o.Rules.Set()
		changed := set != seen || again
		// Set and Rules are two loads: look once more after a change, in case Rules was
		// read before the list behind the new Set was published.
		again, seen = set != seen, set
		// The program attached a poll ago holds every packet now read from the sockets.
		f.index.promote()
		if changed {
			f.rebuild()
		}
		if changed || time.Since(lastScan) >= f.o.Rescan {
			f.attachAll()
			lastScan = time.Now()
		}
		select {
		case <-f.stop:
			return
		case <-poll.C:
		}
	}
}

// rebuild assembles the program for the current rules, when its prefixes changed.
func (f *Filter) rebuild() {
	want := DropPrefixes(f.o.Rules.Rules(), time.Now())
	if f.prog != nil && slices.Equal(want, f.wanted) {
		return
	}
	p, err := Build(want, NetOff, f.o.Sample)
	if err != nil {
		log.Errorf("kernel_drop: building the filter: %v", err)
		return
	}
	f.wanted = want
	if p.Omitted > 0 && p.Omitted != f.omitted {
		log.Warningf("kernel_drop: %d drop prefixes did not fit in the socket filter (%d do); the handler drops their queries", p.Omitted, len(p.Prefixes))
	}
	f.prefixes, f.omitted, f.prog = p.Prefixes, p.Omitted, p.Raw
	f.dirty = true
}

// attachAll attaches the program to every server socket that does not carry it yet, and
// to every one when the program changed.
func (f *Filter) attachAll() {
	if f.prog == nil {
		return
	}
	found, err := serverSockets(&f.o)
	if err != nil {
		log.Warningf("kernel_drop: finding the server's sockets: %v", err)
		return
	}
	if f.dirty {
		f.index.before(f.prefixes, f.o.Sample)
	}
	n := 0
	for _, s := range found {
		if !sockets.claim(f, s, f.dirty) {
			n += boolInt(sockets.owner(s.inode) == f)
			continue
		}
		if err := attach(s, f.prog); err != nil {
			sockets.drop(f, s.inode)
			log.Warningf("kernel_drop: attaching to socket %d (fd %d): %v", s.inode, s.fd, err)
			continue
		}
		n++
	}
	f.dirty = false
	if n == 0 {
		f.index.clear()
	}
	f.publish(published{prefixes: len(f.prefixes), omitted: f.omitted, sockets: n})
}

// publish moves the process-wide gauges by what changed in this filter's share.
func (f *Filter) publish(now published) {
	prefixesLoaded.Add(float64(now.prefixes - f.published.prefixes))
	prefixesOmitted.Add(float64(now.omitted - f.published.omitted))
	socketsFiltered.Add(float64(now.sockets - f.published.sockets))
	f.published = now
}

// socket is one of this process's UDP sockets: its descriptor and inode.
type socket struct {
	fd    int
	inode uint64
}

// serverSockets lists this process's UDP sockets bound to the server's port (and hosts):
// each descriptor in /proc/self/fd that is "socket:[INODE]" with INODE in /proc/net/udp or
// udp6 on the port. They are the process's own descriptors, so setsockopt on them is fine.
func serverSockets(o *Options) ([]socket, error) {
	want := map[uint64]bool{}
	for _, name := range []string{"/proc/self/net/udp", "/proc/self/net/udp6"} {
		rows, err := readProcNet(name)
		if err != nil {
			if os.IsNotExist(err) {
				continue // no IPv6
			}
			return nil, err
		}
		for _, r := range rows {
			if o.wants(r.Local) {
				want[r.Inode] = true
			}
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	var out []socket
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if inode, ok := fdInode(fd); ok && want[inode] {
			out = append(out, socket{fd: fd, inode: inode})
			delete(want, inode) // one descriptor per socket is enough
		}
	}
	return out, nil
}

func readProcNet(name string) ([]Socket, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return ParseProcNetUDP(fh)
}

// fdInode is the socket inode descriptor fd refers to, from its /proc/self/fd link.
func fdInode(fd int) (uint64, bool) {
	l, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(l, "socket:[")
	if !ok || !strings.HasSuffix(n, "]") {
		return 0, false
	}
	inode, err := strconv.ParseUint(strings.TrimSuffix(n, "]"), 10, 64)
	return inode, err == nil
}

// attach sets prog on s (SO_ATTACH_FILTER replaces any filter atomically), after checking
// the descriptor still is that socket.
func attach(s socket, prog []bpf.RawInstruction) error {
	if inode, ok := fdInode(s.fd); !ok || inode != s.inode {
		return fmt.Errorf("descriptor %d is no longer the socket", s.fd)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	return unix.SetsockoptSockFprog(s.fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog)
}

// detach removes the filter of s. The descriptor may have changed: a reload can hand the
// socket over through a duplicate (another descriptor, the same inode), and the filter
// belongs to the socket, so it is looked for by inode. A socket closed meanwhile took its
// filter with it.
func detach(s socket) error {
	if inode, ok := fdInode(s.fd); !ok || inode != s.inode {
		fd, found := fdOf(s.inode)
		if !found {
			return nil
		}
		s.fd = fd
	}
	err := unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_DETACH_FILTER, 0)
	if err == unix.ENOENT {
		return nil // no filter on it
	}
	return err
}

// fdOf is a descriptor of this process for the socket inode.
func fdOf(inode uint64) (int, bool) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, false
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if n, ok := fdInode(fd); ok && n == inode {
			return fd, true
		}
	}
	return 0, false
}

// Supported reports whether socket filters exist here.
func Supported() bool { return true }

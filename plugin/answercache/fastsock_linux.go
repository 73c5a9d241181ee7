//go:build linux

package answercache

import (
	"context"
	"errors"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fastBatch is how many packets one recvmmsg or sendmmsg moves.
const fastBatch = 16

// maxUDPQuery is the read size of a query: miekg/dns reads UDP requests into 512 bytes
// (its default UDPSize, which CoreDNS keeps), so a larger query is treated alike here.
const maxUDPQuery = 512

// pktinfoSpace is the room for one IP_PKTINFO control message.
var pktinfoSpace = unix.CmsgSpace(unix.SizeofInet4Pktinfo)

// mmsghdr is the kernel's struct mmsghdr.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// fastSocket is a UDP/IPv4 socket in the server's SO_REUSEPORT group, read and written
// in batches. Each packet's destination address is read (IP_PKTINFO) so that the answer
// leaves from the address the query was sent to, as miekg/dns does.
type fastSocket struct {
	conn *net.UDPConn
	raw  syscall.RawConn
}

func listenFast(addr string) (*fastSocket, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); serr == nil {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
			}
		})
		return errors.Join(err, serr)
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp4", addr)
	if err != nil {
		return nil, err
	}
	conn := pc.(*net.UDPConn)
	raw, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &fastSocket{conn: conn, raw: raw}, nil
}

// steer makes the reuseport group hand each packet to one of the n sockets from index i
// on, by the CPU that received it (a classic BPF program: cpu % n + i); i < 0 removes the
// program, and the kernel hashes again.
func (s *fastSocket) steer(i, n int) error {
	var serr error
	err := s.raw.Control(func(fd uintptr) {
		if i < 0 {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DETACH_REUSEPORT_BPF, 0)
			if errors.Is(serr, unix.ENOENT) {
				serr = nil
			}
			return
		}
		prog := []unix.SockFilter{
			{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: uint32(skfAdOff + skfAdCPU)},
			{Code: unix.BPF_ALU | unix.BPF_MOD | unix.BPF_K, K: uint32(n)},
			{Code: unix.BPF_ALU | unix.BPF_ADD | unix.BPF_K, K: uint32(i)},
			{Code: unix.BPF_RET | unix.BPF_A},
		}
		serr = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_REUSEPORT_CBPF,
			&unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]})
	})
	return errors.Join(err, serr)
}

// The ancillary data a classic BPF program loads (linux/filter.h, not in x/sys): SKF_AD_OFF
// (-0x1000, as the unsigned offset) plus SKF_AD_CPU is the CPU that received the packet.
const (
	skfAdOff = 1<<32 - 0x1000
	skfAdCPU = 36
)

func (s *fastSocket) close() error { return s.conn.Close() }

// rxBatch is the memory of one batch read: the packets, their senders and destinations.
type rxBatch struct {
	hdrs  [fastBatch]mmsghdr
	iovs  [fastBatch]unix.Iovec
	names [fastBatch]unix.RawSockaddrInet4
	oobs  [fastBatch][]byte
	bufs  [fastBatch][]byte
}

func newRxBatch() *rxBatch {
	b := &rxBatch{}
	for i := range b.hdrs {
		b.bufs[i] = make([]byte, maxUDPQuery)
		b.oobs[i] = make([]byte, pktinfoSpace)
	}
	return b
}

// rearm sets the batch's headers back to their buffers' full sizes before a read.
func (b *rxBatch) rearm() {
	for i := range b.hdrs {
		b.iovs[i].Base = &b.bufs[i][0]
		b.iovs[i].SetLen(len(b.bufs[i]))
		h := &b.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&b.names[i]))
		h.Namelen = unix.SizeofSockaddrInet4
		h.Iov = &b.iovs[i]
		h.Iovlen = 1
		h.Control = &b.oobs[i][0]
		h.SetControllen(len(b.oobs[i]))
		h.Flags = 0
		b.hdrs[i].len = 0
	}
}

// packet returns the i-th packet read, or nil when it was cut short (larger than a
// query may be; miekg/dns would not unpack it either).
func (b *rxBatch) packet(i int) []byte {
	if b.hdrs[i].hdr.Flags&unix.MSG_TRUNC != 0 {
		return nil
	}
	return b.bufs[i][:b.hdrs[i].len]
}

// dst returns the address the i-th packet was sent to (IP_PKTINFO), or nil.
func (b *rxBatch) dst(i int) []byte {
	oob := b.oobs[i][:b.hdrs[i].hdr.Controllen]
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Len < unix.SizeofCmsghdr || int(h.Len) > len(oob) {
			return nil
		}
		if h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && int(h.Len) >= unix.CmsgLen(unix.SizeofInet4Pktinfo) {
			info := (*unix.Inet4Pktinfo)(unsafe.Pointer(&oob[unix.CmsgLen(0)]))
			return info.Addr[:]
		}
		oob = oob[unix.CmsgSpace(int(h.Len)-unix.CmsgLen(0)):]
	}
	return nil
}

// read fills b with at least one packet, waiting for it; it returns how many.
func (s *fastSocket) read(b *rxBatch) (int, error) {
	b.rearm()
	var (
		n    int
		rerr error
	)
	err := s.raw.Read(func(fd uintptr) bool {
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.hdrs[0])), fastBatch, unix.MSG_DONTWAIT, 0, 0)
		if e == unix.EAGAIN || e == unix.EINTR {
			return false
		}
		n = int(r)
		if e != 0 {
			rerr = e
		}
		return true
	})
	return n, errors.Join(err, rerr)
}

// txBatch is the memory of one batch write: the answers, each to its query's sender and
// from its query's destination.
type txBatch struct {
	hdrs  [fastBatch]mmsghdr
	iovs  [fastBatch]unix.Iovec
	names [fastBatch]unix.RawSockaddrInet4
	oobs  [fastBatch][]byte
	bufs  [fastBatch][]byte
	n     int
}

func newTxBatch(size int) *txBatch {
	b := &txBatch{}
	for i := range b.hdrs {
		b.bufs[i] = make([]byte, size)
		b.oobs[i] = make([]byte, pktinfoSpace)
	}
	return b
}

// add queues the answer in bufs[b.n][:n] to the sender of rx's i-th packet.
func (b *txBatch) add(n int, rx *rxBatch, i int) {
	j := b.n
	b.names[j] = rx.names[i]
	b.iovs[j].Base = &b.bufs[j][0]
	b.iovs[j].SetLen(n)
	h := &b.hdrs[j].hdr
	h.Name = (*byte)(unsafe.Pointer(&b.names[j]))
	h.Namelen = unix.SizeofSockaddrInet4
	h.Iov = &b.iovs[j]
	h.Iovlen = 1
	h.Control, h.Controllen = nil, 0
	if dst := rx.dst(i); dst != nil {
		writePktinfo(b.oobs[j], dst)
		h.Control = &b.oobs[j][0]
		h.SetControllen(len(b.oobs[j]))
	}
	b.n++
}

// writePktinfo writes into oob an IP_PKTINFO control message that sends from src.
func writePktinfo(oob []byte, src []byte) {
	clear(oob)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level, h.Type = unix.IPPROTO_IP, unix.IP_PKTINFO
	h.SetLen(unix.CmsgLen(unix.SizeofInet4Pktinfo))
	info := (*unix.Inet4Pktinfo)(unsafe.Pointer(&oob[unix.CmsgLen(0)]))
	copy(info.Spec_dst[:], src)
}

// write sends the queued answers; an answer the kernel refuses (the sender's address is
// unreachable) is dropped, as a failed sendmsg drops it in miekg/dns.
func (s *fastSocket) write(b *txBatch) error {
	sent := 0
	for sent < b.n {
		err := s.raw.Write(func(fd uintptr) bool {
			r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.hdrs[sent])), uintptr(b.n-sent), unix.MSG_DONTWAIT, 0, 0)
			switch {
			case e == unix.EAGAIN || e == unix.EINTR:
				return false
			case e != 0:
				sent++ // the first queued answer failed: skip it
			default:
				sent += int(r)
			}
			return true
		})
		if err != nil {
			b.n = 0
			return err
		}
	}
	b.n = 0
	return nil
}

// writeOne sends one answer (a miss answered by the server) to addr, from src when known.
func (s *fastSocket) writeOne(p []byte, addr *net.UDPAddr, src []byte) error {
	var oob []byte
	if src != nil {
		oob = make([]byte, pktinfoSpace)
		writePktinfo(oob, src)
	}
	_, _, err := s.conn.WriteMsgUDP(p, oob, addr)
	return err
}

// sender returns the address of rx's i-th packet's sender.
func (b *rxBatch) sender(i int) *net.UDPAddr {
	sa := &b.names[i]
	port := int(sa.Port>>8 | sa.Port<<8&0xff00)
	return &net.UDPAddr{IP: net.IPv4(sa.Addr[0], sa.Addr[1], sa.Addr[2], sa.Addr[3]), Port: port}
}

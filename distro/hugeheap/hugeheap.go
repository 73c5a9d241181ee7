// Package hugeheap puts Go's heap on transparent huge pages when the operator asks for it.
//
// With 100,000 zones in memory a query reads records spread over hundreds of MB of heap, and
// each 4 KiB page it touches needs an entry in the CPU's TLB, which covers a few MB: most
// queries to a cold zone walk the page tables several times. A 2 MiB page covers 512 times as
// much. Linux backs anonymous memory with huge pages on its own only when
// /sys/kernel/mm/transparent_hugepage/enabled says "always"; Debian, like most distributions,
// ships "madvise", where a process must ask, and Go's runtime does not ask for its heap.
//
// Asking (madvise MADV_HUGEPAGE) is not enough for a Go heap: the runtime maps each step of
// its growth and fills it at once, before any periodic advice, and the kernel's khugepaged
// merges pages already touched at a few MB a minute. So every Interval this package advises
// each anonymous writable mapping of the process and, once, collapses the ones at least
// denseEnough resident into huge pages (MADV_COLLAPSE, Linux 6.1): pages a mapping holds
// anyway, so the collapse adds at most the part not yet resident.
//
// Measured with queries spread over 100,000 zones (test/bench/RESULTS.md, Run 29): 8-10 %
// less CPU a query and 7-9 % more queries per second, for 1-4 % more RSS; with 1,000 zones
// 3-6 % less CPU for 20 MB more RSS. Off by default (Env): how it behaves over weeks, with the
// runtime returning freed memory to the kernel in 4 KiB pieces, is not measured.
package hugeheap

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Env names the environment variable that turns it on ("1") or off ("0", the default).
const Env = "HOSTDNS_HEAP_HUGEPAGES"

// Interval is how often the mappings are looked at again: the heap maps more as it grows.
const Interval = 2 * time.Second

// denseEnough is the share of a mapping that must be resident before it is collapsed.
const denseEnough = 0.9

var (
	mu        sync.Mutex
	stop      chan struct{}
	done      chan struct{}
	collapsed = map[span]bool{}
)

// FromEnv starts when Env is "1" and reports whether it did.
func FromEnv() (bool, error) {
	switch v := os.Getenv(Env); v {
	case "", "0":
		return false, nil
	case "1":
		Start()
		return true, nil
	default:
		return false, fmt.Errorf("%s: %q is neither 0 nor 1", Env, v)
	}
}

// Start advises the mappings from now on, every Interval, until Stop. A second Start does
// nothing.
func Start() {
	mu.Lock()
	defer mu.Unlock()
	if stop != nil {
		return
	}
	stop, done = make(chan struct{}), make(chan struct{})
	go loop(stop, done)
}

// Stop ends what Start began and waits for it.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	<-done
	stop, done = nil, nil
}

func loop(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(Interval)
	defer t.Stop()
	for {
		Advise()
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// Advise asks for huge pages for every anonymous writable private mapping of the process,
// collapses those dense enough that it has not collapsed before, and returns how many it
// advised: 0 when /proc/self/smaps cannot be read or the kernel has no THP (madvise refused).
// With THP "never" the kernel takes the advice and gives no huge pages. It remembers only the
// mappings that still exist, so what it remembers stays as small as the process's maps.
func Advise() int {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0
	}
	n, now := 0, map[span]bool{}
	for _, m := range anonymous(smaps) {
		if madvise(m.span, unix.MADV_HUGEPAGE) != nil {
			continue
		}
		n++
		now[m.span] = collapsed[m.span]
		if !now[m.span] && float64(m.rss) >= denseEnough*float64(m.end-m.start) {
			now[m.span] = true
			_ = madvise(m.span, unix.MADV_COLLAPSE) // refused by kernels before 6.1: advised only
		}
	}
	collapsed = now
	return n
}

func madvise(s span, advice int) error {
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, s.start, s.end-s.start, uintptr(advice)); errno != 0 {
		return errno
	}
	return nil
}

// span is an address range [start, end).
type span struct{ start, end uintptr }

// mapping is a span and the bytes of it resident.
type mapping struct {
	span
	rss uint64
}

// anonymous returns the anonymous, private, writable mappings listed in smaps (the format of
// /proc/PID/smaps), each at least a huge page long, with what is resident of them.
func anonymous(smaps []byte) []mapping {
	var out []mapping
	var cur *mapping
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 0 {
			continue
		}
		if s, ok := header(f); ok {
			out = append(out, mapping{span: s})
			cur = &out[len(out)-1]
			continue
		}
		if bytes.ContainsRune(f[0], '-') && !bytes.HasSuffix(f[0], []byte(":")) {
			cur = nil // a mapping of another kind
			continue
		}
		if cur != nil && len(f) == 3 && bytes.Equal(f[0], []byte("Rss:")) {
			if kb, err := strconv.ParseUint(string(f[1]), 10, 64); err == nil && kb < 1<<44 {
				cur.rss = kb << 10
			}
		}
	}
	return out
}

// header parses the first line of a mapping when it is an anonymous, private, writable one
// of at least a huge page: "start-end rw-p offset dev inode" and no path.
func header(f [][]byte) (span, bool) {
	if len(f) != 5 || !bytes.Equal(f[1], []byte("rw-p")) {
		return span{}, false
	}
	lo, hi, ok := bytes.Cut(f[0], []byte("-"))
	if !ok {
		return span{}, false
	}
	start, err1 := strconv.ParseUint(string(lo), 16, 64)
	end, err2 := strconv.ParseUint(string(hi), 16, 64)
	if err1 != nil || err2 != nil || end < start || end-start < hugePage {
		return span{}, false
	}
	return span{uintptr(start), uintptr(end)}, true
}

// hugePage is the size of a huge page on amd64 and arm64 (4 KiB base pages).
const hugePage = 2 << 20

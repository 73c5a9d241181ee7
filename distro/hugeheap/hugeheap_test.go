package hugeheap

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

const sampleSmaps = `00400000-00c8c000 r-xp 00000000 08:01 1234   /usr/bin/coredns
Size:               8752 kB
Rss:                8000 kB
17b27f000000-17b27fc00000 rw-p 00000000 00:00 0 
Size:              12288 kB
Rss:               12288 kB
VmFlags: rd wr mr mw me ac
17b27fc00000-17b281800000 ---p 00000000 00:00 0 
Rss:                   0 kB
7f0000000000-7f0000100000 rw-p 00000000 00:00 0 
Rss:                1024 kB
7f0000200000-7f0000a00000 rw-p 00000000 00:00 0 
Size:               8192 kB
Rss:                 512 kB
7ffd00000000-7ffd00400000 rw-p 00000000 00:00 0                          [stack]
Rss:                  64 kB
`

func TestAnonymous(t *testing.T) {
	got := anonymous([]byte(sampleSmaps))
	want := []mapping{
		{span{0x17b27f000000, 0x17b27fc00000}, 12288 << 10},
		{span{0x7f0000200000, 0x7f0000a00000}, 512 << 10},
	}
	if !slices.Equal(got, want) {
		t.Errorf("anonymous = %x, want %x", got, want)
	}
}

// FuzzAnonymous: no input crashes the parser, and every mapping it returns is at least a
// huge page long.
func FuzzAnonymous(f *testing.F) {
	f.Add([]byte(sampleSmaps))
	f.Add([]byte("c000000000-c004000000 rw-p 0 0 0\nRss: 99999999999999999999 kB\n"))
	f.Add([]byte("zz-c004000000 rw-p 0 0 0\nffffffffffffffff-0 rw-p 0 0 0\n-\nRss: 1 kB\n"))
	f.Fuzz(func(t *testing.T, smaps []byte) {
		for _, m := range anonymous(smaps) {
			if m.end < m.start || m.end-m.start < hugePage {
				t.Fatalf("mapping %x shorter than a huge page", m.span)
			}
		}
	})
}

// TestAdviseMarksTheHeap: after Advise, the mapping that holds a fresh 64 MiB allocation has
// the kernel's "hg" flag (MADV_HUGEPAGE) in /proc/self/smaps. Whether the kernel then
// collapses it depends on free memory, so that is not asserted.
func TestAdviseMarksTheHeap(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || bytes.Contains(mode, []byte("[never]")) {
		t.Skipf("transparent huge pages off or absent here (%q, %v)", mode, err)
	}
	buf := make([]byte, 64<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	if n := Advise(); n == 0 {
		t.Fatal("Advise advised no mapping")
	}
	addr := uint64(uintptr(unsafe.Pointer(&buf[0])))
	if flags := vmFlags(t, addr); !slices.Contains(flags, "hg") {
		t.Errorf("mapping of %x: VmFlags %v, want hg", addr, flags)
	}
}

// vmFlags returns the VmFlags of the mapping of this process that holds addr.
func vmFlags(t *testing.T, addr uint64) []string {
	t.Helper()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	in := false
	for _, line := range strings.Split(string(smaps), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			lo, hi, _ := strings.Cut(f[0], "-")
			start, _ := strconv.ParseUint(lo, 16, 64)
			end, _ := strconv.ParseUint(hi, 16, 64)
			in = start <= addr && addr < end
			continue
		}
		if in && len(f) > 0 && f[0] == "VmFlags:" {
			return f[1:]
		}
	}
	t.Fatalf("no mapping holds %x", addr)
	return nil
}

func TestFromEnv(t *testing.T) {
	defer Stop()
	for v, want := range map[string]bool{"": false, "0": false, "1": true} {
		t.Setenv(Env, v)
		if got, err := FromEnv(); err != nil || got != want {
			t.Errorf("%s=%q: %v, %v; want %v", Env, v, got, err, want)
		}
		Stop()
	}
	t.Setenv(Env, "yes")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), Env) {
		t.Errorf("%s=yes: error %v, want one naming %s", Env, err, Env)
	}
}

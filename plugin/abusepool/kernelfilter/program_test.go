package kernelfilter

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"golang.org/x/net/bpf"
)

// ipPacket is a minimal IPv4 or IPv6 header from src, then 8 bytes of UDP header: what the
// filter sees from the network header on (base 0 in the VM).
func ipPacket(src netip.Addr) []byte {
	if src.Is4() {
		p := make([]byte, 28)
		p[0] = 0x45
		p[9] = 17
		a := src.As4()
		copy(p[12:], a[:])
		copy(p[16:], []byte{127, 0, 0, 53})
		return p
	}
	p := make([]byte, 48)
	p[0] = 0x60
	p[6] = 17
	a := src.As16()
	copy(p[8:], a[:])
	return p
}

func newVM(p *Program) (*bpf.VM, error) {
	ins, ok := bpf.Disassemble(p.Raw)
	if !ok {
		return nil, fmt.Errorf("program does not disassemble")
	}
	return bpf.NewVM(ins)
}

func runVM(t *testing.T, p *Program, src string) bool {
	t.Helper()
	vm, err := newVM(p)
	if err != nil {
		t.Fatalf("NewVM: %v", err)
	}
	pkt := ipPacket(netip.MustParseAddr(src))
	n, err := vm.Run(pkt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return n == 0
}

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestBuildDropsOnlyListedSources(t *testing.T) {
	p, err := Build(prefixes("192.0.2.0/24", "198.51.100.7/32", "10.0.0.0/8", "2001:db8::/32", "2001:db8:ffff:1::/64", "fd00::1/128", "2001:0db9:8000::/33"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Prefixes) != 6 || p.Omitted != 0 {
		t.Fatalf("kept %v omitted %d; want 6 kept (2001:db8:ffff:1::/64 is inside 2001:db8::/32)", p.Prefixes, p.Omitted)
	}
	for src, drop := range map[string]bool{
		"192.0.2.1": true, "192.0.2.255": true, "192.0.3.1": false, "198.51.100.7": true, "198.51.100.8": false,
		"10.255.0.1": true, "11.0.0.1": false, "127.0.0.1": false,
		"2001:db8::1": true, "2001:db8:ffff::53": true, "2001:db9::1": false, "fd00::1": true, "fd00::2": false,
		"2001:db9:8000::1": true, "2001:db9:7fff::1": false, "::1": false,
	} {
		if got := runVM(t, p, src); got != drop {
			t.Errorf("%s: dropped %v, want %v", src, got, drop)
		}
	}
}

func TestBuildEmptyAcceptsAll(t *testing.T) {
	p, err := Build(nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"127.0.0.1", "::1", "0.0.0.0"} {
		if runVM(t, p, src) {
			t.Errorf("%s dropped by an empty filter", src)
		}
	}
}

func TestBuildZeroLength(t *testing.T) {
	p, err := Build(prefixes("0.0.0.0/0"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !runVM(t, p, "203.0.113.9") || runVM(t, p, "2001:db8::1") {
		t.Errorf("0.0.0.0/0 must drop every IPv4 source and no IPv6 one")
	}
}

// The program never grows past the kernel's limit; what does not fit is counted, and the
// first prefixes given are those kept.
func TestBuildBounded(t *testing.T) {
	var ps []netip.Prefix
	for i := range 3000 {
		a := [16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)}
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom16(a), 128))
	}
	for i := range 1500 {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}), 32))
	}
	p, err := Build(ps, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Raw) > MaxInstructions || len(p.Prefixes) > MaxPrefixes || len(p.Prefixes)+p.Omitted != len(ps) {
		t.Fatalf("%d instructions, %d prefixes kept, %d omitted of %d", len(p.Raw), len(p.Prefixes), p.Omitted, len(ps))
	}
	if p.Prefixes[0] != ps[0] || !runVM(t, p, "2001:db8::") || runVM(t, p, "2001:db8:bb7::") {
		t.Errorf("the first prefixes must be kept and the last omitted")
	}
	t.Logf("%d instructions, %d prefixes kept, %d omitted", len(p.Raw), len(p.Prefixes), p.Omitted)
}

// Non-IP data (a version nibble neither 4 nor 6) is accepted, as are packets too short to
// hold a source address (the VM and the kernel both end such a program with 0: checked
// here that a normal-length packet of another version passes).
func TestBuildOtherVersionAccepted(t *testing.T) {
	p, _ := Build(prefixes("0.0.0.0/0", "::/0"), 0, 0)
	ins, _ := bpf.Disassemble(p.Raw)
	vm, _ := bpf.NewVM(ins)
	pkt := make([]byte, 48)
	pkt[0] = 0x50
	if n, _ := vm.Run(pkt); n == 0 {
		t.Errorf("a version-5 packet was dropped")
	}
}

// Many networks of several lengths, in random order: the binary search drops exactly the
// addresses inside one of them (checked against netip), and the program's size is what
// Build counted (it fails otherwise).
func TestBuildSearchMatchesContains(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ps []netip.Prefix
	for range 900 {
		bits := []int{32, 32, 32, 24, 16, 28}[rng.IntN(6)]
		a := netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
		ps = append(ps, netip.PrefixFrom(a, bits).Masked())
	}
	p, err := Build(ps, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Omitted != 0 {
		t.Fatalf("%d omitted of %d (%d instructions)", p.Omitted, len(ps), len(p.Raw))
	}
	vm, err := newVM(p)
	if err != nil {
		t.Fatal(err)
	}
	inside := func(a netip.Addr) bool {
		for _, pf := range ps {
			if pf.Contains(a) {
				return true
			}
		}
		return false
	}
	check := func(a netip.Addr) {
		n, err := vm.Run(ipPacket(a))
		if err != nil {
			t.Fatal(err)
		}
		if (n == 0) != inside(a) {
			t.Fatalf("%s: dropped %v, inside a prefix %v", a, n == 0, inside(a))
		}
	}
	for _, pf := range ps {
		check(pf.Addr())
		b := pf.Addr().As4()
		b[3] |= 0xff >> (max(pf.Bits(), 24) - 24) // the last address of the network
		check(netip.AddrFrom4(b))
	}
	for range 20000 {
		check(netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}))
	}
	t.Logf("%d prefixes in %d instructions", len(p.Prefixes), len(p.Raw))
}

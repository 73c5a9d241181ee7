package kernelfilter

import (
	"net/netip"
	"testing"
)

// BenchmarkBuild1000 is the cost of a rebuild after a rule change with 1,000 drop prefixes
// (IPv4 /32s and IPv6 /64s, as dynamic rules make).
func BenchmarkBuild1000(b *testing.B) {
	var ps []netip.Prefix
	for i := range 900 {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}), 32))
	}
	for i := range 100 {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(i)}), 64))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(ps, NetOff, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVMNoMatch1000 runs a packet that matches none of 1,000 prefixes through the
// program in x/net/bpf's interpreter (the kernel runs
// it JIT-compiled; IPv4 networks are found by binary search).
func BenchmarkVMNoMatch1000(b *testing.B) {
	var ps []netip.Prefix
	for i := range 1000 {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}), 32))
	}
	p, err := Build(ps, 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	vm, err := newVM(p)
	if err != nil {
		b.Fatal(err)
	}
	pkt := ipPacket(netip.MustParseAddr("192.0.2.1"))
	for b.Loop() {
		if n, _ := vm.Run(pkt); n == 0 {
			b.Fatal("dropped")
		}
	}
}

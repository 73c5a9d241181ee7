package kernelfilter

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"golang.org/x/net/bpf"
)

// sampleSets are prefix lists whose programs have every kind of drop: binary searches, a
// zero-length IPv4 prefix, IPv6 compares.
func sampleSets() map[string][]netip.Prefix {
	rng := rand.New(rand.NewPCG(3, 4))
	var many []netip.Prefix
	for range 600 {
		a := netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
		many = append(many, netip.PrefixFrom(a, []int{32, 24, 16}[rng.IntN(3)]).Masked())
	}
	many = append(many, prefixes("2001:db8::/32", "fd00::1/128")...)
	return map[string][]netip.Prefix{
		"listed": prefixes("192.0.2.0/24", "198.51.100.7/32", "10.0.0.0/8", "2001:db8::/32", "fd00::1/128", "2001:0db9:8000::/33"),
		"zero":   prefixes("0.0.0.0/0", "::/0"),
		"many":   many,
		"none":   nil,
	}
}

func disassemble(t *testing.T, p *Program) []bpf.Instruction {
	t.Helper()
	ins, ok := bpf.Disassemble(p.Raw)
	if !ok {
		t.Fatal("program does not disassemble")
	}
	return ins
}

// The sampled program is the unsampled one with each drop turned into a ja to one tail at
// its end, and that tail; so sample 0 is the program as it was, and every other instruction
// and offset is unchanged.
func TestBuildSampledIsUnsampledWithTail(t *testing.T) {
	for name, ps := range sampleSets() {
		plain, err := Build(ps, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		smp, err := Build(ps, 0, 8)
		if err != nil {
			t.Fatal(err)
		}
		a, b := disassemble(t, plain), disassemble(t, smp)
		if len(b) != len(a)+sampleTailLen || smp.Sample != 8 || plain.Sample != 0 {
			t.Fatalf("%s: %d and %d instructions, sample %d", name, len(a), len(b), smp.Sample)
		}
		for _, in := range a {
			if _, ok := in.(bpf.LoadExtension); ok {
				t.Fatalf("%s: the unsampled program loads %v", name, in)
			}
		}
		tail, drops := len(a), 0
		for i, in := range a {
			want := in
			if in == (bpf.RetConstant{Val: retDrop}) {
				want, drops = bpf.Jump{Skip: uint32(tail - i - 1)}, drops+1
			}
			if b[i] != want {
				t.Fatalf("%s: instruction %d is %v, want %v", name, i, b[i], want)
			}
		}
		wantTail := []bpf.Instruction{
			bpf.LoadExtension{Num: bpf.ExtRand},
			bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 7},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipFalse: 1},
			bpf.RetConstant{Val: retAccept},
			bpf.RetConstant{Val: retDrop},
		}
		raw, err := bpf.Assemble(wantTail)
		if err != nil {
			t.Fatal(err)
		}
		for i, in := range raw { // raw: Disassemble writes a jeq with jt 0 as a jneq
			if smp.Raw[tail+i] != in {
				t.Errorf("%s: tail %d is %v, want %v", name, i, smp.Raw[tail+i], in)
			}
		}
		if drops == 0 && len(ps) > 0 {
			t.Errorf("%s: no drop in the program", name)
		}
	}
}

// x/net/bpf's VM has no random load, so the tail's load is replaced by a constant: 0 (the
// 1 in N) lets every packet the program would drop through, any other value below N drops
// exactly those the unsampled program drops, and no source the program accepts is touched.
func TestBuildSampledInVM(t *testing.T) {
	const n = 8
	for name, ps := range sampleSets() {
		plain, _ := Build(ps, 0, 0)
		smp, err := Build(ps, 0, n)
		if err != nil {
			t.Fatal(err)
		}
		plainVM, err := newVM(plain)
		if err != nil {
			t.Fatal(err)
		}
		ins := disassemble(t, smp)
		tail := len(ins) - sampleTailLen
		rng := rand.New(rand.NewPCG(5, 6))
		var srcs []netip.Addr
		for _, pf := range ps {
			srcs = append(srcs, pf.Addr())
		}
		for range 2000 {
			srcs = append(srcs, netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}))
		}
		srcs = append(srcs, netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db9::1"), netip.MustParseAddr("::1"))
		for _, r := range []uint32{0, 1, 5, n - 1, n, 3 * n} {
			ins[tail] = bpf.LoadConstant{Dst: bpf.RegA, Val: r}
			vm, err := bpf.NewVM(ins)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, src := range srcs {
				pkt := ipPacket(src)
				dropPlain, _ := plainVM.Run(pkt)
				got, err := vm.Run(pkt)
				if err != nil {
					t.Fatal(err)
				}
				wantDrop := dropPlain == 0 && r%n != 0
				if (got == 0) != wantDrop {
					t.Fatalf("%s, random %d, %s: dropped %v, want %v", name, r, src, got == 0, wantDrop)
				}
			}
		}
	}
}

func TestBuildSampleChecked(t *testing.T) {
	for _, n := range []uint32{1, 3, 1000, MaxSample * 2, 1<<32 - 1} {
		if _, err := Build(prefixes("192.0.2.0/24"), 0, n); err == nil {
			t.Errorf("sample %d accepted", n)
		}
	}
	for _, n := range []uint32{0, 2, 1024, MaxSample} {
		if !ValidSample(n) {
			t.Errorf("sample %d refused", n)
		}
	}
}

// The tail counts against the kernel's limit: a full program with it stays within it, and
// Build's own check (cost against what is emitted) holds.
func TestBuildSampledBounded(t *testing.T) {
	var ps []netip.Prefix
	for i := range 3000 {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)}), 128))
	}
	for _, n := range []uint32{0, 1024} {
		p, err := Build(ps, NetOff, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Raw) > MaxInstructions || len(p.Prefixes)+p.Omitted != len(ps) {
			t.Errorf("sample %d: %d instructions, %d kept, %d omitted", n, len(p.Raw), len(p.Prefixes), p.Omitted)
		}
		t.Logf("sample %d: %d instructions, %d prefixes", n, len(p.Raw), len(p.Prefixes))
	}
}

// A prefix leaves the handler's index before the program without it is attached, and joins
// it only when promoted (a poll after the program with it was attached); one in both
// programs stays throughout.
func TestPublishedIndex(t *testing.T) {
	var p publishedIndex
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("2001:db8::1")
	want := func(step string, wa, wb, wc uint32) {
		t.Helper()
		x := p.cur.Load()
		if got := [3]uint32{x.sampled(a), x.sampled(b), x.sampled(c)}; got != [3]uint32{wa, wb, wc} {
			t.Errorf("%s: sampled %v, want %v", step, got, [3]uint32{wa, wb, wc})
		}
	}
	want("empty", 0, 0, 0)
	p.before(prefixes("192.0.2.0/24", "198.51.100.0/24"), 8)
	want("first program attached", 0, 0, 0)
	p.promote()
	want("first program promoted", 8, 8, 0)
	p.before(prefixes("192.0.2.0/24", "2001:db8::/32"), 8)
	want("second program attached", 8, 0, 0)
	p.promote()
	want("second program promoted", 8, 0, 8)
	p.promote()
	want("promoted again", 8, 0, 8)
	p.before(prefixes("192.0.2.0/25"), 8) // inside the /24: was dropped by the old program
	want("narrower program attached", 8, 0, 0)
	p.before(prefixes("192.0.0.0/16"), 8) // wider: some of it was not dropped before
	want("wider program attached", 0, 0, 0)
	p.promote()
	want("wider program promoted", 8, 0, 0)
	p.before(prefixes("192.0.0.0/16"), 0)
	p.promote()
	want("no sample", 0, 0, 0)
	p.before(prefixes("192.0.0.0/16"), 8)
	p.promote()
	p.clear()
	want("cleared", 0, 0, 0)
}

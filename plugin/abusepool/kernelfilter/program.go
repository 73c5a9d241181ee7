// Package kernelfilter drops, in the kernel, the UDP packets whose source address is in a
// CIDR of abusepool's drop rules that match on the client's address only. A classic BPF
// socket filter (SO_ATTACH_FILTER, no privileges needed) is attached to the server's UDP
// sockets and re-attached whenever the rules change, so a flood from a blocked source costs
// no read, goroutine or unpack in CoreDNS. A random 1 in N of the packets it drops is let
// through, so the handler still sees (and counts N times) a blocked flood. Rules that also
// match a suffix or query type need the packet parsed and stay in the handler. Linux only.
package kernelfilter

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"

	"golang.org/x/net/bpf"
)

// Bounds of the program. The kernel refuses more than BPF_MAXINSNS (4096) instructions;
// MaxPrefixes keeps the program and the time every packet spends in it small.
const (
	MaxInstructions = 4096
	MaxPrefixes     = 1000
)

// NetOff is SKF_NET_OFF: a load at NetOff+k reads byte k of the network (IP) header, wherever
// the socket's data starts (for UDP, at the UDP header).
const NetOff = 0xfff00000 // -0x100000 as the uint32 of a BPF load's offset

const (
	retDrop   = 0
	retAccept = math.MaxUint32 // keep the whole packet
)

// MaxSample is the largest 1-in-N sample a filter lets through.
const MaxSample = 1 << 20

// Program is an assembled filter and what it holds.
type Program struct {
	Raw      []bpf.RawInstruction
	Prefixes []netip.Prefix // those in the program
	Omitted  int            // prefixes that did not fit
	Sample   uint32         // 1 in Sample of the packets it would drop are let through; 0: none
}

// ValidSample reports whether n can be a filter's sample: 0 (none), or a power of two from
// 2 to MaxSample (the kernel's random number is masked, not divided).
func ValidSample(n uint32) bool {
	return n == 0 || n >= 2 && n <= MaxSample && n&(n-1) == 0
}

// Build assembles a filter dropping every packet whose IPv4 or IPv6 source address is in one
// of prefixes, but for a random 1 in sample of them (0: every one), which it lets through so
// that the handler still sees a blocked flood (its rate, to extend a dynamic rule). base is
// where the IP header starts: NetOff on a socket, 0 for the tests' packets in bpf.VM (which
// has no SKF_NET_OFF). Prefixes are taken in the order given, so the caller puts first those
// it wants most; those beyond MaxPrefixes or the instruction budget are counted in Omitted.
// Prefixes inside one already taken are left out as covered.
func Build(prefixes []netip.Prefix, base, sample uint32) (*Program, error) {
	if !ValidSample(sample) {
		return nil, fmt.Errorf("sample %d is not 0 or a power of two from 2 to %d", sample, MaxSample)
	}
	p := &Program{Sample: sample}
	var v4, v6 []netip.Prefix
	c := cost{tail: boolInt(sample > 0) * sampleTailLen}
	for _, pf := range prefixes {
		pf = pf.Masked()
		if !pf.IsValid() {
			return nil, fmt.Errorf("invalid prefix %v", pf)
		}
		if covered(p.Prefixes, pf) {
			continue
		}
		if len(p.Prefixes) == MaxPrefixes || !c.add(pf) {
			p.Omitted++
			continue
		}
		if pf.Addr().Is4() {
			v4 = append(v4, pf)
		} else {
			v6 = append(v6, pf)
		}
		p.Prefixes = append(p.Prefixes, pf)
	}
	ins := program(v4, v6, base)
	if sample > 0 {
		ins = sampled(ins, sample)
	}
	if len(ins) != c.total() {
		// cost must count exactly what program emits.
		return nil, fmt.Errorf("filter of %d instructions, %d counted", len(ins), c.total())
	}
	raw, err := bpf.Assemble(ins)
	if err != nil {
		return nil, err
	}
	p.Raw = raw
	return p, nil
}

// cost counts the instructions program emits, as prefixes are added, so Build checks the
// budget without assembling a program per prefix.
type cost struct {
	v4Count map[int]int // IPv4 networks per prefix length
	v4Zero  bool
	tail    int // the sample's shared tail: sampleTailLen, or 0 without a sample
	n       int // instructions beyond the fixed ones
}

// fixed: the version dispatch (6), the IPv4 load (2) and accept (1), the IPv6 loads (8)
// and accept (1).
const fixedInstructions = 6 + 3 + 9

func (c *cost) total() int { return fixedInstructions + c.tail + c.n }

// add counts pf in, unless the program would grow past MaxInstructions.
func (c *cost) add(pf netip.Prefix) bool {
	more := 0
	bits := pf.Bits()
	if pf.Addr().Is4() {
		k := c.v4Count[bits]
		switch {
		case c.v4Zero:
			return true // everything is dropped already; covered caught it
		case bits == 0:
			more = 1 // the group is one ret
		default:
			more = searchLen(k+1) - searchLen(k)
			if k == 0 {
				more += 1 + boolInt(bits < 32) // txa, and
			}
		}
	} else {
		words := (bits + 31) / 32
		more = 2*words + boolInt(bits%32 != 0) + 1
	}
	if c.total()+more > MaxInstructions {
		return false
	}
	c.n += more
	if pf.Addr().Is4() {
		if c.v4Count == nil {
			c.v4Count = map[int]int{}
		}
		c.v4Count[bits]++
		c.v4Zero = bits == 0
	}
	return true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func covered(taken []netip.Prefix, pf netip.Prefix) bool {
	for _, t := range taken {
		if t.Bits() <= pf.Bits() && t.Contains(pf.Addr()) {
			return true
		}
	}
	return false
}

// program is the filter: the IP version from the first nibble of the network header, then
// the source address compared with each prefix of that family. Anything else is accepted.
func program(v4, v6 []netip.Prefix, base uint32) []bpf.Instruction {
	ins := []bpf.Instruction{
		bpf.LoadAbsolute{Off: base, Size: 1},
		bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 4, SkipTrue: 3}, // -> the IPv4 part
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipFalse: 1},
		nil, // ja the IPv6 part, filled in below
		bpf.RetConstant{Val: retAccept},
	}
	ins = append(ins, ipv4Part(v4, base)...)
	ins[4] = bpf.Jump{Skip: uint32(len(ins) - 5)}
	return append(ins, ipv6Part(v6, base)...)
}

// sampleTailLen is the length of the tail sampled appends.
const sampleTailLen = 5

// sampled turns every drop of ins into a jump to one shared tail that drops the packet but
// for a random 1 in sample (SKF_AD_RANDOM, masked: sample is a power of two). A drop is one
// instruction and so is the ja replacing it (its offset is 32 bits), so every other offset
// in ins stays right; the tail follows the IPv6 part's accept, reached only by those jumps.
func sampled(ins []bpf.Instruction, sample uint32) []bpf.Instruction {
	tail := len(ins)
	for i, in := range ins {
		if in == (bpf.RetConstant{Val: retDrop}) {
			ins[i] = bpf.Jump{Skip: uint32(tail - i - 1)}
		}
	}
	return append(ins,
		bpf.LoadExtension{Num: bpf.ExtRand},
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: sample - 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipFalse: 1},
		bpf.RetConstant{Val: retAccept},
		bpf.RetConstant{Val: retDrop},
	)
}

// ipv4Part: the source address (IP header offset 12) in X; for each prefix length, A = X &
// mask, then a binary search among that length's networks.
func ipv4Part(v4 []netip.Prefix, base uint32) []bpf.Instruction {
	ins := []bpf.Instruction{bpf.LoadAbsolute{Off: base + 12, Size: 4}, bpf.TAX{}}
	for _, bits := range lengths(v4) {
		if bits == 0 {
			// Every address: the accept below is never reached (the kernel allows that).
			ins = append(ins, bpf.RetConstant{Val: retDrop})
			continue
		}
		ins = append(ins, bpf.TXA{})
		if bits < 32 {
			ins = append(ins, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mask(bits)})
		}
		var nets []uint32
		for _, pf := range v4 {
			if pf.Bits() == bits {
				nets = append(nets, word(pf.Addr().As16(), 3))
			}
		}
		slices.Sort(nets)
		ins = append(ins, search(nets)...)
	}
	return append(ins, bpf.RetConstant{Val: retAccept})
}

// leafSize is how many sorted values search compares one by one.
const leafSize = 8

// search drops the packet when A is one of nets (sorted, distinct); otherwise control
// falls off its end. A balanced tree: compare with the middle value, then search the half
// A is in, so a packet costs O(log n) compares. Branches that go far use ja (a 32-bit
// offset; a conditional jump's is 8 bits).
func search(nets []uint32) []bpf.Instruction {
	if len(nets) <= leafSize {
		var ins []bpf.Instruction
		for _, n := range nets {
			ins = append(ins, bpf.JumpIf{Cond: bpf.JumpEqual, Val: n, SkipFalse: 1}, bpf.RetConstant{Val: retDrop})
		}
		return ins
	}
	mid := len(nets) / 2
	left, right := search(nets[:mid]), search(nets[mid+1:])
	ins := []bpf.Instruction{
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: nets[mid], SkipFalse: 1},
		bpf.RetConstant{Val: retDrop},
		bpf.JumpIf{Cond: bpf.JumpGreaterThan, Val: nets[mid], SkipFalse: 1}, // unsigned
		bpf.Jump{Skip: uint32(len(left) + 1)},                               // to right
	}
	ins = append(ins, left...)
	ins = append(ins, bpf.Jump{Skip: uint32(len(right))}) // past right
	return append(ins, right...)
}

// searchLen is len(search(nets)) for n values.
func searchLen(n int) int {
	if n <= leafSize {
		return 2 * n
	}
	mid := n / 2
	return 5 + searchLen(mid) + searchLen(n-mid-1)
}

// ipv6Part: the source address (IP header offset 8) as four words in scratch memory; each
// prefix compares the words it covers, the last one masked.
func ipv6Part(v6 []netip.Prefix, base uint32) []bpf.Instruction {
	var ins []bpf.Instruction
	for i := range 4 {
		ins = append(ins, bpf.LoadAbsolute{Off: base + 8 + uint32(4*i), Size: 4}, bpf.StoreScratch{Src: bpf.RegA, N: i})
	}
	for _, pf := range v6 {
		ins = append(ins, ipv6Compare(pf)...)
	}
	return append(ins, bpf.RetConstant{Val: retAccept})
}

// ipv6Compare drops the packet when the address in scratch memory is in pf; a word that
// differs skips to the end of the block.
func ipv6Compare(pf netip.Prefix) []bpf.Instruction {
	a := pf.Addr().As16()
	var block []bpf.Instruction
	var jumps []int // indexes of the compares, to point past the block
	for i, left := 0, pf.Bits(); left > 0; i, left = i+1, left-32 {
		block = append(block, bpf.LoadScratch{Dst: bpf.RegA, N: i})
		if left < 32 {
			block = append(block, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mask(left)})
		}
		jumps = append(jumps, len(block))
		block = append(block, bpf.JumpIf{Cond: bpf.JumpEqual, Val: word(a, i)})
	}
	block = append(block, bpf.RetConstant{Val: retDrop})
	for _, j := range jumps {
		jf := block[j].(bpf.JumpIf)
		jf.SkipFalse = uint8(len(block) - j - 1)
		block[j] = jf
	}
	return block
}

// lengths are the distinct prefix lengths in ps, longest first.
func lengths(ps []netip.Prefix) []int {
	var ls []int
	for _, p := range ps {
		if !slices.Contains(ls, p.Bits()) {
			ls = append(ls, p.Bits())
		}
	}
	slices.Sort(ls)
	slices.Reverse(ls)
	return ls
}

func mask(bits int) uint32 {
	if bits >= 32 {
		return math.MaxUint32
	}
	return ^(math.MaxUint32 >> uint(bits))
}

// word is the i-th big-endian 32-bit word of a (an IPv4 address is word 3 of its 4in6 form).
func word(a [16]byte, i int) uint32 {
	return uint32(a[4*i])<<24 | uint32(a[4*i+1])<<16 | uint32(a[4*i+2])<<8 | uint32(a[4*i+3])
}

// ErrUnsupported is returned where there are no socket filters (not Linux).
var ErrUnsupported = errors.New("needs Linux (classic BPF socket filters)")

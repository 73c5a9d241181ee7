//go:build !linux

package kernelfilter

import "net/netip"

// Filter does nothing where there are no socket filters; New says so.
type Filter struct{}

// New fails: kernel_drop needs Linux.
func New(o Options) (*Filter, error) { return nil, ErrUnsupported }

// Start does nothing.
func (f *Filter) Start() {}

// Stop does nothing.
func (f *Filter) Stop() {}

// Sampled is always 0: nothing is dropped in the kernel.
func (f *Filter) Sampled(addr netip.Addr) uint32 { return 0 }

func socketDrops() float64 { return 0 }

// Supported reports whether socket filters exist here.
func Supported() bool { return false }

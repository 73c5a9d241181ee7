package capture

import (
	"bytes"
	"encoding/binary"
	"io"
)

// ngBlocks passes a pcapng file through and follows its block lengths, only to tell a file
// that ends inside a block: pcapgo's NgReader reports that as a plain io.EOF, the same as a
// clean end, and a truncated capture would pass silently for a short one.
type ngBlocks struct {
	r    io.Reader
	head []byte // the opening octets of the block being entered
	left uint64 // octets of the current block still to come
	big  bool   // byte order of the current section
}

func (b *ngBlocks) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.walk(p[:n])
	if err == io.EOF && (b.left > 0 || len(b.head) > 0) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *ngBlocks) walk(p []byte) {
	for len(p) > 0 {
		if b.left > 0 {
			k := min(uint64(len(p)), b.left)
			b.left -= k
			p = p[k:]
			continue
		}
		need := 8 // block type and length
		if len(b.head) >= 4 && bytes.Equal(b.head[:4], pcapngMagic) {
			need = 12 // and the section's byte-order magic
		}
		k := min(len(p), need-len(b.head))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
		if len(b.head) < need || (len(b.head) == 8 && bytes.Equal(b.head[:4], pcapngMagic)) {
			continue
		}
		if need == 12 {
			b.big = binary.BigEndian.Uint32(b.head[8:12]) == 0x1a2b3c4d
		}
		length := uint64(binary.LittleEndian.Uint32(b.head[4:8]))
		if b.big {
			length = uint64(binary.BigEndian.Uint32(b.head[4:8]))
		}
		if length > uint64(need) {
			b.left = length - uint64(need)
		}
		b.head = b.head[:0]
	}
}
